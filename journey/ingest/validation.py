"""SPEC 2.1-2.3 validation of incoming events, shared by the API and `journey import`.

The identity events' values must normalise (SPEC 10.1): the `Normaliser` that
knows the configured phone region is passed in (`NO_REGION` when none is).

Every violation names the event (its id when it has a readable one, and its
index in the batch) and the field, e.g.
`event 'e-17' (#3): data.csat: Input should be less than or equal to 5`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
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
from journey.ingest.json_keys import UNREAD, repeated_keys, surely_unrepeated
from journey.vocabulary.envelope import ValidEvent
from journey.vocabulary.events import CLIENT_TYPES
from journey.vocabulary.terms import CHANNELS, IDENTITY_KINDS, PRIORITIES, STATUSES

MAX_FUTURE = timedelta(minutes=5)
MAX_PII_FIELDS = 32
MAX_PII_VALUE_CHARS = 16_384
REPEATED_KEY = "repeated in its object: a JSON object may hold each key once"
_INSTANT = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
IDENTIFIER_CHARS = r"[A-Za-z0-9._:@/-]+"  # SPEC 2.1 identifiers (ids, path parameters)
_PII_KEY_CHARS = r"[A-Za-z0-9_.-]+"
RFC3339 = re.compile(f"^{_INSTANT}$")
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
PiiKey = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=f"^{_PII_KEY_CHARS}$")]


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
        return _occurred_at(value)

    @model_validator(mode="after")
    def _type_rules(self, info: ValidationInfo) -> EventIn:
        rule = TYPE_RULES[self.type]
        for name in rule.required:
            if getattr(self, name) is None:
                raise _FieldError(name, f"required for type {self.type}")
        try:
            data = rule.checked(self.data)
        except ValidationError as error:
            raise _FieldError("data", _first_message(error), error) from None
        if rule.check is not None:
            context = info.context if isinstance(info.context, dict) else {}
            normaliser = context.get("normaliser", NO_REGION)
            wrong = rule.check(self.type, self.customer_id, data, self.pii, normaliser)
            if wrong is not None:
                raise _FieldError(*wrong)
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


def _occurred_at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)


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


def validate_event(
    raw: object, index: int, now: datetime, normaliser: Normaliser = NO_REGION
) -> ValidEvent | list[Violation]:
    """Validate one raw (already JSON-decoded) event; return it or its violations."""
    with suppress(msgspec.ValidationError):
        fast = _passed(msgspec.convert(raw, _Incoming), now, normaliser)
        if fast is not None:
            return fast
    event_id = _readable_id(raw)
    if not isinstance(raw, dict):
        return [Violation(index, None, "(event)", "must be a JSON object")]
    try:
        event = EventIn.model_validate(raw, context={"normaliser": normaliser})
    except ValidationError as error:
        return _violations(error, index, event_id)
    if event.occurred_at > now + MAX_FUTURE:
        return [Violation(index, event_id, "occurred_at", "more than 5 minutes in the future")]
    return event.valid()


def decode_valid(
    document: bytes, now: datetime, normaliser: Normaliser = NO_REGION
) -> ValidEvent | None:
    """The event of a JSON document, decoded and checked in one pass when it is
    valid; None when it is not (or may not be): then `orjson.loads` and
    `validate_event` tell why, naming every violation."""
    try:
        incoming = _DECODE_ONE.decode(document)
        valid = _passed(incoming, now, normaliser)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if valid is None:
        return None
    encoded = _ENCODE(incoming)
    if len(encoded) != len(document) and _repeats_keys(document, encoded):  # a call less
        return None
    return valid


def decode_valid_batch(
    document: bytes, now: datetime, normaliser: Normaliser = NO_REGION
) -> list[ValidEvent] | None:
    """`decode_valid` of a JSON array of events: all of them, or None."""
    try:
        incoming = _DECODE_MANY.decode(document)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    events = []
    for event in incoming:
        valid = _passed(event, now, normaliser)
        if valid is None:
            return None
        events.append(valid)
    return None if _repeats_keys(document, _ENCODE(incoming)) else events


def repeated_key_violations(document: bytes, decoded: object) -> list[Violation]:
    """A violation for each key that an object of `document` (one event or an
    array of them) repeats, `decoded` being what orjson made of it: [] almost
    always, at the cost of one encoding (see `json_keys`)."""
    with suppress(RecursionError):  # nested deeper than msgspec encodes
        if surely_unrepeated(document, _ENCODE(decoded)):
            return []
    events = decoded if isinstance(decoded, list) else [decoded]
    found = []
    for path in repeated_keys(document):
        if path == UNREAD:
            found.append(Violation(0, None, "(body)", "its keys could not be read: too deep?"))
            continue
        index, key = (path[0], path[1:]) if isinstance(decoded, list) else (0, path)
        assert isinstance(index, int)
        found.append(Violation(index, _readable_id(events[index]), _path(key), REPEATED_KEY))
    return found


def _repeats_keys(document: bytes, encoded: bytes) -> bool:
    """Whether an object of `document`, whose events are valid, repeats a key
    (`encoded`: `_ENCODE` of their `_Incoming`s). Their numbers are integers (no
    `data` rule takes a float: a test holds it), written as msgspec writes them."""
    return not surely_unrepeated(document, encoded, numbers_as_written=True) and bool(
        repeated_keys(document)
    )


# The fast path. msgspec decodes and checks `EventIn`'s fields in one pass, several
# times faster than pydantic (the import's largest cost per event was validation).
# `_Incoming` must be as strict as `EventIn` or stricter (a test holds the two
# paths equal): whatever it refuses goes to `EventIn`, which either accepts it or
# names each violation. The identifiers' and pii keys' patterns are matched in
# `_passed`: msgspec's own pattern check took twice as long.
_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
_PiiKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# `occurred_at` and the four identifiers in one regex call (a call costs more than
# its matching: five calls took 1.2 us an event), joined by NUL. No part may hold
# a NUL, so exactly five NUL-separated parts match only when each field does.
_INSTANT_AND_IDENTIFIERS = re.compile("\x00".join([_INSTANT] + [IDENTIFIER_CHARS] * 4)).fullmatch
_ABSENT = "-"  # stands for an absent case or agent id in that check: a valid identifier
_PII_KEY = re.compile(_PII_KEY_CHARS).fullmatch
_PiiText = Annotated[str, msgspec.Meta(max_length=MAX_PII_VALUE_CHARS)]


class _Incoming(
    msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True, omit_defaults=True
):  # `omit_defaults`: encoded again as it was most likely written (`_repeats_keys`)
    id: _Id
    type: EventType
    customer_id: _Id
    occurred_at: str
    channel: Channel | None = None
    case_id: _Id | None = None
    agent_id: _Id | None = None
    data: dict[str, Any] = {}
    pii: Annotated[dict[_PiiKey, _PiiText], msgspec.Meta(max_length=MAX_PII_FIELDS)] | None = None


_DECODE_ONE = msgspec.json.Decoder(_Incoming)
_ENCODE = msgspec.json.Encoder().encode
_DECODE_MANY = msgspec.json.Decoder(list[_Incoming])


def _passed(event: _Incoming, now: datetime, normaliser: Normaliser) -> ValidEvent | None:
    """The rules msgspec does not check, or None to leave the event to `EventIn`."""
    rule = TYPE_RULES[event.type]
    if not (
        _INSTANT_AND_IDENTIFIERS(
            "\x00".join(
                (
                    event.occurred_at,
                    event.id,
                    event.customer_id,
                    event.case_id or _ABSENT,  # never "": msgspec checked the length
                    event.agent_id or _ABSENT,
                )
            )
        )
        and (not event.pii or all(map(_PII_KEY, event.pii)))
    ) or None in rule.present(event):
        return None
    try:
        occurred_at = _occurred_at(event.occurred_at)  # ValueError: e.g. February 30
        data = rule.checked(event.data, fast=True)
    except (ValueError, msgspec.ValidationError):
        return None
    if occurred_at > now + MAX_FUTURE or (
        rule.check is not None
        and rule.check(event.type, event.customer_id, data, event.pii, normaliser) is not None
    ):
        return None
    return ValidEvent(  # positional: a fifth faster than by keyword
        event.id,
        event.type,
        event.customer_id,
        occurred_at,
        data,
        event.channel,
        event.case_id,
        event.agent_id,
        event.pii,
    )


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
