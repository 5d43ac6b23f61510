"""The rules of each event type (SPEC 2.1-2.2, 10.1-10.2): the envelope's
limits and patterns, each type's `data` as a pydantic model (which names every
violation, and is the OpenAPI schema) and as a msgspec struct (the fast path),
the fields each type requires and its cross-field check, and `EventIn`.
`journey.ingest.validation` applies them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from operator import attrgetter
from typing import Annotated, Any, Literal

import msgspec
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from journey.identities.normalise import MAX_IDENTITY_CHARS, NO_REGION, IdentityError, Normaliser
from journey.vocabulary.envelope import ValidEvent
from journey.vocabulary.events import CLIENT_TYPES
from journey.vocabulary.terms import CHANNELS, IDENTITY_KINDS, PRIORITIES, STATUSES

MAX_FUTURE = timedelta(minutes=5)
MAX_PII_FIELDS = 32
MAX_PII_VALUE_CHARS = 16_384
INSTANT = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
IDENTIFIER_CHARS = r"[A-Za-z0-9._:@/-]+"  # SPEC 2.1 identifiers (ids, path parameters)
PII_KEY_CHARS = r"[A-Za-z0-9_.-]+"
RFC3339 = re.compile(f"^{INSTANT}$")
_IDENTIFIER = re.compile(IDENTIFIER_CHARS).fullmatch

Identifier = Annotated[
    StrictStr, Field(min_length=1, max_length=128, pattern=f"^{IDENTIFIER_CHARS}$")
]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
EventType = Literal[CLIENT_TYPES]  # type: ignore[valid-type]
IdentityKind = Literal[IDENTITY_KINDS]  # type: ignore[valid-type]
PiiText = Annotated[StrictStr, Field(max_length=MAX_PII_VALUE_CHARS)]
PiiKey = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=f"^{PII_KEY_CHARS}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoData(_Strict):
    pass


class ContactData(_Strict):
    abandoned: StrictBool = False


class OpenedData(_Strict):
    priority: Priority = "normal"


class StatusData(_Strict):
    status: Status


class PriorityData(_Strict):
    priority: Priority


class SurveyData(_Strict):
    csat: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    nps: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    ces: Annotated[StrictInt, Field(ge=1, le=7)] | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> SurveyData:
        if self.csat is None and self.nps is None and self.ces is None:
            raise ValueError("a survey answer needs at least one of csat, nps, ces")
        return self


class SelfServiceData(_Strict):
    article_id: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    helpful: StrictBool | None = None


class IdentityData(_Strict):
    kind: IdentityKind


class MergeData(_Strict):
    into: Identifier


# The same `data` rules for msgspec (the fast path, below): as strict or stricter.
class _Fast(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    pass


class _ContactData(_Fast):
    abandoned: bool = False


class _OpenedData(_Fast):
    priority: Priority = "normal"


class _StatusData(_Fast):
    status: Status


class _PriorityData(_Fast):
    priority: Priority


class _SurveyData(_Fast):
    csat: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    nps: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None
    ces: Annotated[int, msgspec.Meta(ge=1, le=7)] | None = None

    def __post_init__(self) -> None:
        if self.csat is None and self.nps is None and self.ces is None:
            raise ValueError("no answer")


class _SelfServiceData(_Fast):
    article_id: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    helpful: bool | None = None


class _IdentityData(_Fast):
    kind: IdentityKind


class _MergeData(_Fast):
    into: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]  # its pattern: `_into`


# A rule across fields, after `data` passed: (type, customer_id, data, pii, normaliser)
# -> None, or the field it finds wrong and why.
CrossCheck = Callable[
    [str, str, dict[str, Any], dict[str, str] | None, Normaliser], tuple[str, str] | None
]


def _identity_value(
    type_: str, _: str, data: dict[str, Any], pii: dict[str, str] | None, normaliser: Normaliser
) -> tuple[str, str] | None:
    """SPEC 10.1: `pii.value` present, at most 256 characters, and normalising."""
    value = pii.get("value") if pii else None
    if value is None:
        return "pii.value", f"required for type {type_}"
    if len(value) > MAX_IDENTITY_CHARS:
        return "pii.value", f"at most {MAX_IDENTITY_CHARS} characters for type {type_}"
    try:
        normaliser.normalise(data["kind"], value)
    except IdentityError as error:
        return "pii.value", f"does not normalise as {data['kind']}: {error}"
    return None


def _into(
    _: str, customer_id: str, data: dict[str, Any], __: dict[str, str] | None, ___: Normaliser
) -> tuple[str, str] | None:
    """SPEC 10.2: `data.into` names a customer, not this event's own."""
    if not _IDENTIFIER(data["into"]):
        return "data.into", "must be a customer id (letters, digits and ._:@/-)"
    if data["into"] == customer_id:
        return "data.into", "must name another customer than the event's customer_id"
    return None


@dataclass(frozen=True)
class TypeRule:
    data: type[_Strict]
    fast: type[_Fast]  # `data` for msgspec
    required: tuple[str, ...]
    check: CrossCheck | None = None

    @cached_property
    def present(self) -> Callable[[Any], tuple[Any, ...]]:
        """The fields this type requires, after `id` and `type` (never None):
        with two names or more, `attrgetter` answers a tuple, whatever the rule."""
        return attrgetter("id", "type", *self.required)

    @cached_property
    def empty(self) -> dict[str, Any] | None:
        """What an absent or empty `data` becomes (the defaults), or None when the
        type requires some `data`: worked out once, not per event."""
        try:
            return self.data.model_validate({}).model_dump(exclude_none=True)
        except ValidationError:
            return None

    def checked(self, data: dict[str, Any], fast: bool = False) -> dict[str, Any]:
        """`data` checked by this rule, its defaults applied: by msgspec when `fast`
        (`msgspec.ValidationError`), else by pydantic (`ValidationError`)."""
        if not data and self.empty is not None:  # most events: no data, or defaults
            return dict(self.empty)
        if fast:
            typed = msgspec.convert(data, self.fast)
            return {k: v for k, v in msgspec.structs.asdict(typed).items() if v is not None}
        return self.data.model_validate(data).model_dump(exclude_none=True)


TYPE_RULES: dict[str, TypeRule] = {
    "contact.inbound": TypeRule(ContactData, _ContactData, ("channel",)),
    "reply.outbound": TypeRule(NoData, _Fast, ("channel", "case_id", "agent_id")),
    "case.opened": TypeRule(OpenedData, _OpenedData, ("case_id", "channel")),
    "case.assigned": TypeRule(NoData, _Fast, ("case_id", "agent_id")),
    "case.status_changed": TypeRule(StatusData, _StatusData, ("case_id",)),
    "case.priority_changed": TypeRule(PriorityData, _PriorityData, ("case_id",)),
    "survey.answered": TypeRule(SurveyData, _SurveyData, ("channel",)),
    "self_service.used": TypeRule(SelfServiceData, _SelfServiceData, ("channel",)),
    "identity.linked": TypeRule(IdentityData, _IdentityData, (), _identity_value),
    "identity.unlinked": TypeRule(IdentityData, _IdentityData, (), _identity_value),
    "customer.merged": TypeRule(MergeData, _MergeData, (), _into),
    "customer.unmerged": TypeRule(NoData, _Fast, ()),
}


class EventIn(_Strict):
    """One incoming event (SPEC 2.1), with defaults of SPEC 2.2 applied to `data`."""

    id: Identifier
    type: EventType
    customer_id: Identifier
    occurred_at: datetime
    channel: Channel | None = None
    case_id: Identifier | None = None
    agent_id: Identifier | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    pii: Annotated[dict[PiiKey, PiiText], Field(max_length=MAX_PII_FIELDS)] | None = None

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _rfc3339_with_offset(cls, value: object) -> datetime:
        if not isinstance(value, str) or not RFC3339.match(value):
            raise ValueError(
                "must be an RFC 3339 timestamp with an offset, e.g. 2026-01-31T09:00:00Z"
            )
        return parse_occurred_at(value)

    @model_validator(mode="after")
    def _type_rules(self, info: ValidationInfo) -> EventIn:
        rule = TYPE_RULES[self.type]
        for name in rule.required:
            if getattr(self, name) is None:
                raise FieldError(name, f"required for type {self.type}")
        try:
            data = rule.checked(self.data)
        except ValidationError as error:
            raise FieldError("data", first_message(error), error) from None
        if rule.check is not None:
            context = info.context if isinstance(info.context, dict) else {}
            normaliser = context.get("normaliser", NO_REGION)
            wrong = rule.check(self.type, self.customer_id, data, self.pii, normaliser)
            if wrong is not None:
                raise FieldError(*wrong)
        object.__setattr__(self, "data", data)
        return self

    def valid(self) -> ValidEvent:
        return ValidEvent(
            id=self.id,
            type=self.type,
            customer_id=self.customer_id,
            occurred_at=self.occurred_at,
            data=self.data,
            channel=self.channel,
            case_id=self.case_id,
            agent_id=self.agent_id,
            pii=self.pii,
        )


def parse_occurred_at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)


class FieldError(ValueError):
    def __init__(self, field: str, message: str, cause: ValidationError | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.cause = cause


def first_message(error: ValidationError) -> str:
    return str(error.errors()[0]["msg"])
