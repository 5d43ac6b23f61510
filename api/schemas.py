"""The shapes of the SPEC 8 answers, for the OpenAPI document (field names as in SPEC 8).

Routes answer with already-rendered JSON (`api.render`); these models describe it.
Longer than most modules (about 430 lines) on purpose: every answer of the
contract (SPEC 8, 10.4, 11) is declared here, once, as the OpenAPI document shows
it; the models hold no logic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from journey.vocabulary.events import EVENT_TYPES
from journey.vocabulary.terms import CHANNELS, IDENTITY_KINDS, PRIORITIES, STATUSES

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
IdentityKind = Literal[IDENTITY_KINDS]  # type: ignore[valid-type]
VALUE = "only with the `pii` scope: the identity as its linking event spelled it"


class EventResult(BaseModel):
    id: str
    status: Literal["created", "duplicate"]
    position: int


class AppendOut(BaseModel):
    results: list[EventResult]


class EventOut(BaseModel):
    id: str
    type: EventType
    customer_id: str
    occurred_at: datetime
    channel: Channel | None
    case_id: str | None
    agent_id: str | None
    data: dict[str, Any]
    pii: dict[str, str] | None = Field(None, description="only with the `pii` scope")
    position: int
    recorded_at: datetime


class TimelineOut(BaseModel):
    customer_id: str
    events: list[EventOut]
    next_cursor: str | None


class FeedOut(BaseModel):
    events: list[EventOut]
    last_position: int = Field(description="pass as `after` to read on")


class SlaOut(BaseModel):
    metric: Literal["first_response", "next_response", "resolution"]
    policy: str
    start: datetime
    target_seconds: int
    due_at: datetime | None
    fulfilled_at: datetime | None
    breached: bool
    breached_at: datetime | None


class CaseOut(BaseModel):
    case_id: str
    customer_id: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    opened_at: datetime
    channel: Channel | None
    priority: Literal[PRIORITIES]  # type: ignore[valid-type]
    assignee: str | None
    handoffs: int
    agents: list[str]
    inbound_contacts: int
    repeat_contacts: int
    first_response_at: datetime | None
    reopens: int
    resolved_at: datetime | None
    first_contact_resolution: bool
    sla: list[SlaOut]


class CustomerCasesOut(BaseModel):
    customer_id: str
    resolved_id: str = Field(description="the person the customer's stream belongs to (SPEC 10.2)")
    cases: list[CaseOut] = Field(description="the cases of every stream of the person")


class ContactsOut(BaseModel):
    customer_id: str
    resolved_id: str = Field(description="the person the counts are over (SPEC 10.3)")
    window_seconds: int
    inbound_contacts: int
    repeat_contacts: int
    channel_switches: int
    abandoned: int


class BriefIdentityOut(BaseModel):
    kind: Literal["phone", "email", "handle", "device"]
    customer_id: str
    linked_at: datetime
    value: str | None = Field(None, description="only with the `pii` scope")
    shared: bool = Field(description="the identity is ignored or shared (SPEC 10.5)")


class LastContactOut(BaseModel):
    occurred_at: datetime
    channel: Channel
    case_id: str | None
    abandoned: bool


class Contacts7dOut(BaseModel):
    inbound_contacts: int
    repeat_contacts: int
    channel_switches: int
    abandoned: int
    channels: list[Channel] = Field(description="sorted, distinct")


class SelfServiceOut(BaseModel):
    occurred_at: datetime
    channel: Channel
    article_id: str
    helpful: bool | None


class LastSurveyOut(BaseModel):
    occurred_at: datetime
    channel: Channel
    case_id: str | None
    csat: int | None
    nps: int | None
    ces: int | None


class BriefOut(BaseModel):
    """SPEC 11. "In the N days up to `at`": from `at` - N days to `at`, both included."""

    customer_id: str
    resolved_id: str
    merged_ids: list[str]
    identities: list[BriefIdentityOut]
    open_cases: list[CaseOut] = Field(description="status not resolved/closed; latest opened first")
    recent_cases: list[CaseOut] = Field(
        description="resolved or closed, resolved_at in the 30 days up to `at`; latest first"
    )
    last_contact: LastContactOut | None
    contacts_7d: Contacts7dOut
    agents: list[str] = Field(description="assigned or replied in the 30 days up to `at`")
    self_service: list[SelfServiceOut] = Field(description="the 7 days up to `at`, latest first")
    last_survey: LastSurveyOut | None
    recent_messages: list[EventOut] = Field(
        description="the latest 5 contact.inbound and reply.outbound, latest first"
    )


_CASE_EXAMPLE: dict[str, Any] = {
    "case_id": "case-81",
    "customer_id": "crm-1042",
    "status": "open",
    "opened_at": "2026-10-02T09:14:00Z",
    "channel": "phone",
    "priority": "high",
    "assignee": "agent-07",
    "handoffs": 1,
    "agents": ["agent-03", "agent-07"],
    "inbound_contacts": 2,
    "repeat_contacts": 1,
    "first_response_at": "2026-10-02T09:20:00Z",
    "reopens": 0,
    "resolved_at": None,
    "first_contact_resolution": False,
    "sla": [
        {
            "metric": "resolution",
            "policy": "default",
            "start": "2026-10-02T09:14:00Z",
            "target_seconds": 86400,
            "due_at": "2026-10-03T09:14:00Z",
            "fulfilled_at": None,
            "breached": False,
            "breached_at": None,
        }
    ],
}
BRIEF_EXAMPLE: dict[str, Any] = {
    "customer_id": "crm-1042",
    "resolved_id": "crm-1042",
    "merged_ids": ["chat-77", "crm-1042"],
    "identities": [
        {
            "kind": "phone",
            "customer_id": "crm-1042",
            "linked_at": "2026-09-01T08:00:00Z",
            "value": "+31201234567",
            "shared": False,
        }
    ],
    "open_cases": [_CASE_EXAMPLE],
    "recent_cases": [],
    "last_contact": {
        "occurred_at": "2026-10-02T15:02:00Z",
        "channel": "chat",
        "case_id": "case-81",
        "abandoned": True,
    },
    "contacts_7d": {  # the case's two contacts and the abandoned chat after them
        "inbound_contacts": 3,
        "repeat_contacts": 2,
        "channel_switches": 1,
        "abandoned": 1,
        "channels": ["chat", "phone"],
    },
    "agents": ["agent-03", "agent-07"],
    "self_service": [
        {
            "occurred_at": "2026-10-02T14:50:00Z",
            "channel": "web",
            "article_id": "kb-reset-router",
            "helpful": False,
        }
    ],
    "last_survey": {
        "occurred_at": "2026-09-12T10:00:00Z",
        "channel": "email",
        "case_id": "case-60",
        "csat": 2,
        "nps": None,
        "ces": 6,
    },
    "recent_messages": [
        {
            "id": "chat-77:msg-9",
            "type": "contact.inbound",
            "customer_id": "chat-77",
            "occurred_at": "2026-10-02T15:02:00Z",
            "channel": "chat",
            "case_id": "case-81",
            "agent_id": None,
            "data": {"abandoned": True},
            "pii": {"body": "The router still drops every evening."},
            "position": 90412,
            "recorded_at": "2026-10-02T15:02:01Z",
        }
    ],
}


class BreachOut(BaseModel):
    case_id: str
    customer_id: str
    metric: str
    policy: str
    breached_at: datetime
    channel: Channel | None = None
    priority: str | None = None
    start: datetime | None = None
    due_at: datetime | None = None
    target_seconds: int | None = None


class BreachesOut(BaseModel):
    breaches: list[BreachOut]
    next_cursor: str | None


class FcrChannel(BaseModel):
    channel: Channel | None
    resolved_cases: int
    fcr_cases: int
    rate: float | None


class FcrOut(BaseModel):
    channels: list[FcrChannel]


class RepeatDay(BaseModel):
    day: str
    channel: Channel | None
    inbound_contacts: int
    repeat_contacts: int
    channel_switches: int
    abandoned: int


class RepeatContactsOut(BaseModel):
    days: list[RepeatDay]


class SatisfactionChannel(BaseModel):
    channel: Channel | None
    csat_responses: int
    csat_positive: int
    csat: float | None
    nps_responses: int
    promoters: int
    detractors: int
    nps: float | None
    ces_responses: int
    ces: float | None


class SatisfactionOut(BaseModel):
    channels: list[SatisfactionChannel]


class VerifyOut(BaseModel):
    ok: bool
    events: int
    first_bad_position: int | None


class ErasureOut(BaseModel):
    customer_id: str
    erased: bool = Field(description="false when the key was already destroyed")
    position: int = Field(description="position of the erasure event")
    merged_ids: list[str] = Field(
        description="the person's other streams, not erased (SPEC 10.4): erase them too "
        "when they are the same data subject",
        examples=[["crm-881"]],
    )


class ProjectionOut(BaseModel):
    name: str
    position: int
    lag: int
    state: str


class ProjectionsOut(BaseModel):
    projections: list[ProjectionOut]


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: bool
    last_position: int | None


class ProblemError(BaseModel):
    field: str
    message: str
    index: int | None = None
    event_id: str | None = None
    position: int | None = None


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] | None = None


class IdentityOut(BaseModel):
    kind: IdentityKind = Field(examples=["phone"])
    customer_id: str = Field(examples=["crm-881"], description="the stream that holds it")
    linked_at: datetime
    value: str | None = Field(None, description=VALUE, examples=["+49 30 1234-5678"])
    shared: bool = Field(description="ignored or shared (SPEC 10.5)")


class CustomerOut(BaseModel):
    """SPEC 10.4: the customer's person, its identities and duplicate candidates."""

    customer_id: str = Field(examples=["crm-881"])
    resolved_id: str = Field(examples=["cust-42"], description="the person")
    merged_ids: list[str] = Field(examples=[["cust-42", "crm-881"]])
    identities: list[IdentityOut]
    duplicates: list[str] = Field(
        examples=[["web-7f3a"]],
        description="other persons sharing an identity neither ignored nor shared",
    )


class LookupIn(BaseModel):
    """An identity travels in a body, never in a URL."""

    kind: IdentityKind = Field(examples=["phone"])
    value: str = Field(min_length=1, max_length=256, examples=["+49 30 1234-5678"])


class LookupCustomer(BaseModel):
    customer_id: str = Field(examples=["crm-881"])
    resolved_id: str = Field(examples=["cust-42"])
    linked_at: datetime


class LookupOut(BaseModel):
    kind: IdentityKind = Field(examples=["phone"])
    customers: list[LookupCustomer] = Field(description="ordered by customer_id")
    persons: list[str] = Field(
        examples=[["cust-42"]], description="distinct resolved ids of this page's customers"
    )
    ignored: bool = Field(description="a configured placeholder: no lookup finds it")
    shared: bool = Field(description="held by more persons than `shared_limit`")
    next_cursor: str | None


class DuplicateGroup(BaseModel):
    kind: IdentityKind = Field(examples=["email"])
    persons: list[str] = Field(examples=[["cust-42", "web-7f3a"]])
    value: str | None = Field(None, description=VALUE, examples=["anna@example.com"])


class DuplicatesOut(BaseModel):
    groups: list[DuplicateGroup] = Field(description="ordered by (first person, kind)")
    next_cursor: str | None


class SharedIdentity(BaseModel):
    kind: IdentityKind = Field(examples=["phone"])
    persons: int = Field(examples=[143], description="number of persons holding it")
    value: str | None = Field(None, description=VALUE, examples=["+49 30 9999-0"])


class SharedOut(BaseModel):
    identities: list[SharedIdentity] = Field(description="most persons first")
    next_cursor: str | None
