"""Domain events: one class per SPEC 2.2 type, each a fact in a customer's stream.

The classes are eventsourcing 9.5 domain events (frozen dataclasses with a `str`
originator id: the customer id). Their topics (`journey.events:ContactInbound`)
are stored with every event, so these names are data: never rename a class
without `register_topic`, never change a field without `class_version` and an
upcaster.

`pii` holds the customer's personal text sealed by `journey.stored.crypto`; it is never
stored in clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import msgspec
from eventsourcing.domain import CanMutateAggregate

from journey.vocabulary.envelope import ValidEvent


@dataclass(frozen=True)
class CustomerEvent(CanMutateAggregate[str]):
    """A touchpoint recorded in the stream of customer `originator_id`."""

    type_name: ClassVar[str] = ""

    originator_id: str
    originator_version: int
    timestamp: datetime  # when it occurred (SPEC `occurred_at`), as the library names it
    id: str
    channel: str | None = None
    case_id: str | None = None
    agent_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    pii: dict[str, Any] | None = None

    @property
    def customer_id(self) -> str:
        return self.originator_id

    @property
    def occurred_at(self) -> datetime:
        return self.timestamp


@dataclass(frozen=True)
class ContactInbound(CustomerEvent):
    type_name: ClassVar[str] = "contact.inbound"


@dataclass(frozen=True)
class ReplyOutbound(CustomerEvent):
    type_name: ClassVar[str] = "reply.outbound"


@dataclass(frozen=True)
class CaseOpened(CustomerEvent):
    type_name: ClassVar[str] = "case.opened"


@dataclass(frozen=True)
class CaseAssigned(CustomerEvent):
    type_name: ClassVar[str] = "case.assigned"


@dataclass(frozen=True)
class CaseStatusChanged(CustomerEvent):
    type_name: ClassVar[str] = "case.status_changed"


@dataclass(frozen=True)
class CasePriorityChanged(CustomerEvent):
    type_name: ClassVar[str] = "case.priority_changed"


@dataclass(frozen=True)
class SurveyAnswered(CustomerEvent):
    type_name: ClassVar[str] = "survey.answered"


@dataclass(frozen=True)
class SelfServiceUsed(CustomerEvent):
    type_name: ClassVar[str] = "self_service.used"


@dataclass(frozen=True)
class IdentityLinked(CustomerEvent):
    """The stream's customer is known by the identity `data.kind` + `pii.value` (SPEC 10.1)."""

    type_name: ClassVar[str] = "identity.linked"


@dataclass(frozen=True)
class IdentityUnlinked(CustomerEvent):
    """That identity no longer belongs to the stream's customer (SPEC 10.1)."""

    type_name: ClassVar[str] = "identity.unlinked"


@dataclass(frozen=True)
class CustomerMerged(CustomerEvent):
    """The stream's customer is the same person as customer `data.into` (SPEC 10.2)."""

    type_name: ClassVar[str] = "customer.merged"


@dataclass(frozen=True)
class CustomerUnmerged(CustomerEvent):
    """Undoes the stream's current merge (SPEC 10.2)."""

    type_name: ClassVar[str] = "customer.unmerged"


@dataclass(frozen=True)
class PersonalDataErased(CustomerEvent):
    """Appended by the store itself when a customer's data key is destroyed (SPEC 7)."""

    type_name: ClassVar[str] = "personal_data.erased"


EVENT_CLASSES: dict[str, type[CustomerEvent]] = {
    cls.type_name: cls
    for cls in (
        ContactInbound,
        ReplyOutbound,
        CaseOpened,
        CaseAssigned,
        CaseStatusChanged,
        CasePriorityChanged,
        SurveyAnswered,
        SelfServiceUsed,
        IdentityLinked,
        IdentityUnlinked,
        CustomerMerged,
        CustomerUnmerged,
        PersonalDataErased,
    )
}
TOPIC_PREFIX = "journey.vocabulary.events:"
TYPE_BY_TOPIC: dict[str, str] = {
    TOPIC_PREFIX + cls.__name__: name for name, cls in EVENT_CLASSES.items()
}
TOPIC_BY_TYPE: dict[str, str] = {name: topic for topic, name in TYPE_BY_TOPIC.items()}
EVENT_TYPES = tuple(EVENT_CLASSES)
CLIENT_TYPES = tuple(name for name in EVENT_CLASSES if name != PersonalDataErased.type_name)


def stored_state(event: ValidEvent, sealed_pii: dict[str, Any] | None) -> bytes:
    """The stored state of a validated event, exactly as the application's mapper
    would encode its domain event (`tests/unit/test_events.py` holds them equal),
    written directly because it is the ingestion hot path. Its stream is
    `customer_id`, its topic `TOPIC_BY_TYPE[type]`; the store assigns the version."""
    state = _State(
        event.agent_id,
        event.case_id,
        event.channel,
        event.data,
        event.id,
        sealed_pii,
        event.occurred_at,
    )
    return _STATE.encode(state)


class _State(msgspec.Struct, gc=False):
    """A client event's stored state, as the application's transcoder writes the dict of its fields
    (keys sorted, `timestamp` in UTC with a Z): msgspec writes the same bytes in
    half the time."""

    agent_id: str | None
    case_id: str | None
    channel: str | None
    data: dict[str, Any]
    id: str
    pii: dict[str, Any] | None
    timestamp: datetime


_STATE = msgspec.json.Encoder(order="sorted")
