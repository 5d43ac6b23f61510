"""SPEC 2.1-2.3 validation of incoming events, shared by the API and `journey import`.

Every violation names the event (its id when it has a readable one, and its
index in the batch) and the field, e.g.
`event 'e-17' (#3): data.csat: Input should be less than or equal to 5`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from journey.events import CLIENT_TYPES
from journey.facts import CHANNELS, PRIORITIES, STATUSES

MAX_FUTURE = timedelta(minutes=5)
MAX_PII_FIELDS = 32
MAX_PII_VALUE_CHARS = 16_384
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")

Identifier = Annotated[
    StrictStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/-]+$")
]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
EventType = Literal[CLIENT_TYPES]  # type: ignore[valid-type]
PiiText = Annotated[StrictStr, Field(max_length=MAX_PII_VALUE_CHARS)]
PiiKey = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


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


@dataclass(frozen=True)
class TypeRule:
    data: type[_Strict]
    required: tuple[str, ...]

    @cached_property
    def empty(self) -> dict[str, Any] | None:
        """What an absent or empty `data` becomes (the defaults), or None when the
        type requires some `data`: worked out once, not per event."""
        try:
            return self.data.model_validate({}).model_dump(exclude_none=True)
        except ValidationError:
            return None


TYPE_RULES: dict[str, TypeRule] = {
    "contact.inbound": TypeRule(ContactData, ("channel",)),
    "reply.outbound": TypeRule(NoData, ("channel", "case_id", "agent_id")),
    "case.opened": TypeRule(OpenedData, ("case_id", "channel")),
    "case.assigned": TypeRule(NoData, ("case_id", "agent_id")),
    "case.status_changed": TypeRule(StatusData, ("case_id",)),
    "case.priority_changed": TypeRule(PriorityData, ("case_id",)),
    "survey.answered": TypeRule(SurveyData, ("channel",)),
    "self_service.used": TypeRule(SelfServiceData, ("channel",)),
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
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
        return parsed.astimezone(UTC)

    @model_validator(mode="after")
    def _type_rules(self) -> EventIn:
        rule = TYPE_RULES[self.type]
        for name in rule.required:
            if getattr(self, name) is None:
                raise _FieldError(name, f"required for type {self.type}")
        if not self.data and rule.empty is not None:  # most events: no data, or defaults
            object.__setattr__(self, "data", dict(rule.empty))
            return self
        try:
            data = rule.data.model_validate(self.data)
        except ValidationError as error:
            raise _FieldError("data", _first_message(error), error) from None
        object.__setattr__(self, "data", data.model_dump(exclude_none=True))
        return self

    def canonical(self) -> bytes:
        """The normalised content the idempotency check compares (UTC, defaults
        applied, keys sorted, absent fields left out). Stored digests depend on it:
        never change this form."""
        fields = {
            "id": self.id,
            "type": self.type,
            "customer_id": self.customer_id,
            "occurred_at": self.occurred_at,
            "channel": self.channel,
            "case_id": self.case_id,
            "agent_id": self.agent_id,
            "data": self.data,
            "pii": self.pii,
        }
        present = {k: v for k, v in fields.items() if v is not None}
        return orjson.dumps(present, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)


class _FieldError(ValueError):
    def __init__(self, field: str, message: str, cause: ValidationError | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.cause = cause


@dataclass(frozen=True)
class Violation:
    index: int
    event_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        who = (
            f"event {self.event_id!r} (#{self.index})" if self.event_id else f"event #{self.index}"
        )
        return f"{who}: {self.field}: {self.message}"


def validate_event(raw: object, index: int, now: datetime) -> EventIn | list[Violation]:
    """Validate one raw (already JSON-decoded) event; return it or its violations."""
    event_id = _readable_id(raw)
    if not isinstance(raw, dict):
        return [Violation(index, None, "(event)", "must be a JSON object")]
    try:
        event = EventIn.model_validate(raw)
    except ValidationError as error:
        return _violations(error, index, event_id)
    if event.occurred_at > now + MAX_FUTURE:
        return [Violation(index, event_id, "occurred_at", "more than 5 minutes in the future")]
    return event


def _violations(error: ValidationError, index: int, event_id: str | None) -> list[Violation]:
    found: list[Violation] = []
    for item in error.errors():
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, _FieldError):
            if cause.cause is not None:
                found += [
                    Violation(
                        index, event_id, _path(("data", *sub["loc"])) or "data", _clean(sub["msg"])
                    )
                    for sub in cause.cause.errors()
                ]
            else:
                found.append(Violation(index, event_id, cause.field, cause.message))
            continue
        message = _clean(item["msg"])
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        found.append(Violation(index, event_id, _path(item["loc"]) or "(event)", message))
    return found


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _first_message(error: ValidationError) -> str:
    return str(error.errors()[0]["msg"])


def _readable_id(raw: object) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, str) and 0 < len(value) <= 128:
            return value
    return None


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")
