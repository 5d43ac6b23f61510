"""SPEC 2.1-2.3 validation of incoming events, shared by the API and `journey import`:
a msgspec fast path for the events that pass, `EventIn` (pydantic) naming every
violation of those that do not, and repeated keys refused. The rules themselves
are in `journey.ingest.event_rules`.

The identity events' values must normalise (SPEC 10.1): the `Normaliser` that
knows the configured phone region is passed in (`NO_REGION` when none is).

Every violation names the event (its id when it has a readable one, and its
index in the batch) and the field, e.g.
`event 'e-17' (#3): data.csat: Input should be less than or equal to 5`.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from pydantic import (
    ValidationError,
)

from journey.identities.normalise import NO_REGION, Normaliser
from journey.ingest.event_rules import (
    IDENTIFIER_CHARS,
    INSTANT,
    MAX_FUTURE,
    MAX_PII_FIELDS,
    MAX_PII_VALUE_CHARS,
    PII_KEY_CHARS,
    TYPE_RULES,
    Channel,
    EventIn,
    EventType,
    FieldError,
    parse_occurred_at,
)
from journey.ingest.json_keys import UNREAD, repeated_keys, surely_unrepeated
from journey.vocabulary.envelope import ValidEvent

REPEATED_KEY = "repeated in its object: a JSON object may hold each key once"


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
FastId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
FastPiiKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# `occurred_at` and the four identifiers in one regex call (a call costs more than
# its matching: five calls took 1.2 us an event), joined by NUL. No part may hold
# a NUL, so exactly five NUL-separated parts match only when each field does.
_INSTANT_AND_IDENTIFIERS = re.compile("\x00".join([INSTANT] + [IDENTIFIER_CHARS] * 4)).fullmatch
_ABSENT = "-"  # stands for an absent case or agent id in that check: a valid identifier
_PII_KEY = re.compile(PII_KEY_CHARS).fullmatch
_PiiText = Annotated[str, msgspec.Meta(max_length=MAX_PII_VALUE_CHARS)]


class _Incoming(
    msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True, omit_defaults=True
):  # `omit_defaults`: encoded again as it was most likely written (`_repeats_keys`)
    id: FastId
    type: EventType
    customer_id: FastId
    occurred_at: str
    channel: Channel | None = None
    case_id: FastId | None = None
    agent_id: FastId | None = None
    data: dict[str, Any] = {}
    pii: Annotated[dict[FastPiiKey, _PiiText], msgspec.Meta(max_length=MAX_PII_FIELDS)] | None = (
        None
    )


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
        occurred_at = parse_occurred_at(event.occurred_at)  # ValueError: e.g. February 30
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
        if isinstance(cause, FieldError):
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


def _readable_id(raw: object) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, str) and 0 < len(value) <= 128:
            return value
    return None


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")
