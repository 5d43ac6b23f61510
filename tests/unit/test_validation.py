"""SPEC 2.1-2.3: one passing and one failing example for every rule, and the
fast path (msgspec) held equal to the rules' full statement (`EventIn`)."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from journey.identities.normalise import Normaliser
from journey.ingest.event_rules import MAX_FUTURE, TYPE_RULES, EventIn
from journey.ingest.validation import (
    REPEATED_KEY,
    Violation,
    decode_valid,
    decode_valid_batch,
    repeated_key_violations,
    validate_event,
)
from journey.vocabulary.envelope import ValidEvent
from journey.vocabulary.events import CLIENT_TYPES
from tests.factories import event, valid_events
from tests.json_text import Pairs, written

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def check(raw: Any) -> ValidEvent | list[Violation]:
    return validate_event(raw, 0, NOW)


def fields_of(result: ValidEvent | list[Violation]) -> list[str]:
    assert isinstance(result, list), f"expected violations, got {result}"
    return [v.field for v in result]


PASSING: list[dict[str, Any]] = [
    event("contact.inbound"),
    event("contact.inbound", data={"abandoned": True}),
    event("reply.outbound"),
    event("case.opened", data={"priority": "urgent"}),
    event("case.assigned"),
    event("case.status_changed", data={"status": "pending_customer"}),
    event("case.priority_changed", data={"priority": "low"}),
    event("survey.answered", data={"csat": 1, "nps": 10, "ces": 7}),
    event("survey.answered", data={"nps": 0}),
    event("self_service.used", data={"article_id": "kb-9", "helpful": False}),
    event(id="A.z:0@x/y-_", customer_id="x" * 128),
    event(occurred_at="2026-03-02T13:04:59+01:00"),
    event(occurred_at="2026-03-02T12:04:59.999Z"),
    event(pii={"body": "hello", "email": "a@b.c"}),
    event(channel="in_person"),
    event("identity.linked"),
    event(
        "identity.linked", channel="sms", data={"kind": "phone"}, pii={"value": "+7 912 345-67-89"}
    ),
    event(
        "identity.linked", data={"kind": "handle"}, pii={"value": "Telegram:@Anna_K", "name": "A"}
    ),
    event("identity.linked", data={"kind": "device"}, pii={"value": "x" * 256}),
    event("identity.unlinked", data={"kind": "email"}, pii={"value": " Anna@Example.COM "}),
    event("customer.merged"),
    event("customer.merged", channel="web", data={"into": "A.z:0@x/y-_"}),
    event("customer.unmerged"),
]

FAILING: list[tuple[dict[str, Any], str]] = [
    (event(id=""), "id"),
    (event(id="x" * 129), "id"),
    (event(id="has space"), "id"),
    (event(type="contact.outbound"), "type"),
    (event(customer_id="a#b"), "customer_id"),
    (event(occurred_at="2026-03-02T10:00:00"), "occurred_at"),
    (event(occurred_at="yesterday"), "occurred_at"),
    (event(occurred_at="2026-03-02T12:05:01Z"), "occurred_at"),
    (event(channel="fax"), "channel"),
    (event(case_id="bad id"), "case_id"),
    (event(agent_id="bad!id"), "agent_id"),
    (event(data={"abandoned": "yes"}), "data.abandoned"),
    (event(data={"colour": "red"}), "data.colour"),
    (event(extra_field=1), "extra_field"),
    (event(pii={"body": 42}), "pii.body"),
    (event(pii="plain text"), "pii"),
    (event(pii={"body": "x" * 16_385}), "pii.body"),
    (event("reply.outbound", agent_id=None), "agent_id"),
    (event("reply.outbound", case_id=None), "case_id"),
    (event("reply.outbound", data={"x": 1}), "data.x"),
    (event("case.opened", channel=None), "channel"),
    (event("case.opened", data={"priority": "asap"}), "data.priority"),
    (event("case.assigned", agent_id=None), "agent_id"),
    (event("case.status_changed", data={}), "data.status"),
    (event("case.status_changed", data={"status": "done"}), "data.status"),
    (event("case.priority_changed", data={}), "data.priority"),
    (event("survey.answered", data={}), "data"),
    (event("survey.answered", data={"csat": 6}), "data.csat"),
    (event("survey.answered", data={"nps": 11}), "data.nps"),
    (event("survey.answered", data={"ces": 0}), "data.ces"),
    (event("survey.answered", data={"csat": 4.5}), "data.csat"),
    (event("survey.answered", channel=None), "channel"),
    (event("self_service.used", data={}), "data.article_id"),
    (event("self_service.used", data={"article_id": "a", "helpful": 1}), "data.helpful"),
    (event("contact.inbound", channel=None), "channel"),
    (event("identity.linked", pii=None), "pii.value"),
    (event("identity.linked", pii={"body": "anna@example.com"}), "pii.value"),
    (event("identity.linked", data={}), "data.kind"),
    (event("identity.linked", data={"kind": "fax"}), "data.kind"),
    (event("identity.linked", data={"kind": "email", "x": 1}), "data.x"),
    (event("identity.linked", data={"kind": "device"}, pii={"value": "x" * 257}), "pii.value"),
    (event("identity.linked", pii={"value": "anna.example.com"}), "pii.value"),
    (
        event("identity.linked", data={"kind": "phone"}, pii={"value": "8 912 345 67 89"}),
        "pii.value",
    ),
    (event("identity.linked", data={"kind": "phone"}, pii={"value": "+7 912"}), "pii.value"),
    (event("identity.linked", data={"kind": "handle"}, pii={"value": "@anna"}), "pii.value"),
    (event("identity.linked", data={"kind": "device"}, pii={"value": ""}), "pii.value"),
    (event("identity.unlinked", pii={"value": "a@b@c.d"}), "pii.value"),
    (event("identity.unlinked", data={"kind": "Email"}), "data.kind"),
    (event("customer.merged", data={}), "data.into"),
    (event("customer.merged", data={"into": "cust-1"}), "data.into"),
    (event("customer.merged", data={"into": "bad id"}), "data.into"),
    (event("customer.merged", data={"into": "cust-2\n"}), "data.into"),
    (event("customer.merged", data={"into": "x" * 129}), "data.into"),
    (event("customer.merged", data={"into": 7}), "data.into"),
    (event("customer.unmerged", data={"into": "cust-2"}), "data.into"),
]


@pytest.mark.parametrize("raw", PASSING, ids=lambda raw: f"{raw['type']}")
def test_a_valid_event_is_accepted(raw: dict[str, Any]) -> None:
    assert isinstance(check(raw), ValidEvent)
    assert decode_valid(orjson.dumps(raw), NOW) == check(raw)


@pytest.mark.parametrize(("raw", "field"), FAILING, ids=[f for _, f in FAILING])
def test_each_rule_violation_names_the_event_and_the_field(raw: dict[str, Any], field: str) -> None:
    violations = check(raw)
    assert field in fields_of(violations)
    assert decode_valid(orjson.dumps(raw), NOW) is None
    readable = raw["id"] if 0 < len(raw["id"]) <= 128 else None
    assert all(v.event_id == readable for v in violations)  # type: ignore[union-attr]


def test_a_violation_message_reads_with_event_id_index_and_field() -> None:
    (violation,) = validate_event(event(id="e-17", data={"abandoned": "no"}), 3, NOW)  # type: ignore[misc]
    assert str(violation) == "event 'e-17' (#3): data.abandoned: Input should be a valid boolean"


def test_a_non_object_is_rejected() -> None:
    assert fields_of(check([1, 2])) == ["(event)"]


def test_timestamps_are_normalised_to_utc_and_defaults_applied() -> None:
    valid = check(event(occurred_at="2026-03-02T13:00:00+03:00"))
    assert isinstance(valid, ValidEvent)
    assert valid.occurred_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert orjson.loads(valid.canonical())["data"] == {"abandoned": False}
    opened = check(event("case.opened"))
    assert isinstance(opened, ValidEvent) and opened.data == {"priority": "normal"}


def by_eventin(raw: object) -> ValidEvent | None:
    """The rules as `EventIn` states them, without the fast path."""
    try:
        event = EventIn.model_validate(raw)
    except ValidationError:
        return None
    return None if event.occurred_at > NOW + MAX_FUTURE else event.valid()


TRICKY: list[Any] = [
    None,
    "",
    " ",
    "a",
    "a\n",
    "ab\n",
    "x" * 128,
    "x" * 129,
    "ü",
    "a b",
    "a\x00b",  # the fast path joins fields with NUL to check them in one call
    "\x00",
    "A.z:0@x/y-_",
    0,
    1,
    1.5,
    True,
    False,
    [],
    {},
    ["a"],
    {"a": 1},
    "chat",
    "web",
    "fax",
    "contact.inbound",
    "2026-03-02T10:00:00Z",
    "2026-03-02t10:00:00z",
    "2026-03-02 10:00:00+02:00",
    "2026-03-02T10:00:00",
    "2026-03-02T10:00:00.1234567Z",
    "2026-03-02T10:00:00.1234567891Z",
    "2026-03-02T10:00:00+0200",
    "2026-03-02T12:04:59.999999Z",
    "2026-03-02T12:05:00.000001Z",
    "2026-02-30T10:00:00Z",
    "2026-03-02T24:00:00Z",
    "+2026-03-02T10:00:00Z",
]
FIELDS = [
    "id",
    "type",
    "customer_id",
    "occurred_at",
    "channel",
    "case_id",
    "agent_id",
    "data",
    "pii",
]
values = st.sampled_from(TRICKY) | st.text(max_size=6) | st.integers(-(2**63), 2**63 - 1)
datas = st.dictionaries(
    st.sampled_from(
        [
            *("abandoned", "priority", "status", "csat", "nps", "ces", "article_id", "helpful"),
            *("kind", "into", "x"),
        ]
    ),
    st.sampled_from(
        [
            *(True, False, 0, 1, 5, 7, 10, 11, 4.5, "high", "urgent", "resolved", "kb-1", "", None),
            *("email", "phone", "handle", "device", "cust-1", "cust-2", "cust-2\n", "a b"),
        ]
    ),
    max_size=3,
)
piis = st.dictionaries(
    st.sampled_from(
        ["body", "email", "value", "", "a b", "x" * 64, "x" * 65, "ü", "a\x00b", "\x00"]
    ),
    st.sampled_from(
        [
            *("hello", "", "x" * 16_384, "x" * 16_385, "\u00e9", 42, None),
            *("a@b.co", "+79123456789", "8 912 345 67 89", "tg:@a", "x" * 257),
        ]
    ),
    max_size=3,
) | st.dictionaries(st.from_regex(r"\Ak[0-9]{1,3}\Z"), st.just("v"), min_size=30, max_size=34)


@st.composite
def candidates(draw: st.DrawFn) -> dict[str, Any]:
    """Valid events of every type, some with fields changed, removed or added."""
    raw = event(draw(st.sampled_from(CLIENT_TYPES)))
    for name in draw(st.lists(st.sampled_from([*FIELDS, "extra"]), max_size=3)):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            raw.pop(name, None)
        elif name == "data":
            raw["data"] = draw(datas)
        elif name == "pii":
            raw["pii"] = draw(piis)
        else:
            raw[name] = draw(values)
    return raw


@given(candidates())
@example(event(pii={"body": "ok"}, id="a\n"))
@example(event(occurred_at="2026-03-02T10:00:00.1234567Z"))
@example(event(occurred_at="2026-02-30T10:00:00Z"))
@example(event("reply.outbound", id="a\x00b"))
@example(event("reply.outbound", id="a\x00b", pii={"body": "x"}))
@example(event(pii={"body": "x", "a\x00b": "y"}))
@example(event("reply.outbound", agent_id="agent\x00-1"))
@example(event("reply.outbound", occurred_at="2026-03-02T10:00:00Z\x00a"))
def test_the_fast_path_accepts_what_eventin_accepts_and_nothing_else(raw: dict[str, Any]) -> None:
    expected = by_eventin(raw)
    assert decode_valid(orjson.dumps(raw), NOW) in (expected, None)  # None: left to EventIn
    checked = validate_event(raw, 0, NOW)
    if expected is None:
        assert isinstance(checked, list) and checked
    else:
        assert checked == expected


def test_a_repeated_key_is_left_to_the_full_path_which_names_it() -> None:
    document = b'{"id":"a","id":"b","type":"contact.inbound","customer_id":"c",' + (
        b'"occurred_at":"2026-03-02T10:00:00Z","channel":"chat","channel":"phone"}'
    )
    assert decode_valid(document, NOW) is None
    assert decode_valid_batch(b"[" + document + b"]", NOW) is None
    violations = repeated_key_violations(document, orjson.loads(document))
    assert [str(v) for v in violations] == [
        f"event 'b' (#0): id: {REPEATED_KEY}",
        f"event 'b' (#0): channel: {REPEATED_KEY}",
    ]


def test_repeated_keys_in_data_and_pii_name_their_event_in_a_batch() -> None:
    good = orjson.dumps(event(id="good"))
    survey = b'{"id":"s","type":"survey.answered","customer_id":"c","channel":"chat",' + (
        b'"occurred_at":"2026-03-02T10:00:00Z","data":{"csat":1,"csat":5}}'
    )
    note = b'{"id":"n","type":"contact.inbound","customer_id":"c","channel":"chat",' + (
        b'"occurred_at":"2026-03-02T10:00:00Z","pii":{"body":"hi","\\u0062ody":"bye"}}'
    )
    batch = b"[" + b",".join([good, survey, note]) + b"]"
    assert decode_valid(survey, NOW) is decode_valid(note, NOW) is None
    assert decode_valid_batch(batch, NOW) is None
    found = repeated_key_violations(batch, orjson.loads(batch))
    assert [(v.index, v.event_id, v.field) for v in found] == [
        (1, "s", "data.csat"),
        (2, "n", "pii.body"),
    ]


def test_key_like_text_in_a_value_keeps_the_fast_path() -> None:
    raw = event(pii={"body": 'he wrote "id":"x", "id": "y"'})
    document = orjson.dumps(raw)
    assert decode_valid(document, NOW) == check(raw)
    assert repeated_key_violations(document, raw) == []


def test_a_body_nested_beyond_the_parsers_is_refused_not_failed() -> None:
    depth = 1020  # orjson reads up to 1024 levels, the standard parser fewer
    document = b"[" * depth + b"]" * depth
    decoded = orjson.loads(document)
    (violation,) = repeated_key_violations(document, decoded)
    assert (violation.field, violation.event_id) == ("(body)", None)


def _objects(raw: dict[str, Any]) -> list[tuple[str, ...]]:
    """The paths of `raw`'s objects: the envelope, and `data` and `pii` if present."""
    return [()] + [(name,) for name in ("data", "pii") if raw.get(name)]


def _as_pairs(raw: dict[str, Any], repeat: tuple[str, ...] | None, key: int, value: Any) -> Pairs:
    """`raw` as pairs; in the object at `repeat`, its `key`-th key written once more
    (before its own pair, with `value`)."""
    pairs = Pairs(
        (name, _as_pairs(item, None, 0, None) if isinstance(item, dict) else item)
        for name, item in raw.items()
    )
    if repeat is None:
        return pairs
    target = pairs
    for name in repeat:
        target = dict(target)[name]
    position = key % len(target)
    target.insert(position, (target[position][0], value))
    return pairs


@given(valid_events(), st.randoms(use_true_random=False), st.integers(0, 8), st.data())
def test_any_written_form_of_a_valid_event_passes_unless_a_key_repeats(
    raw: dict[str, Any], rng: Random, key: int, data: st.DataObject
) -> None:
    """Whitespace, escapes and repeats anywhere: the fast path's answer is the
    full path's, and a repeated key is always caught."""
    expected = check(raw)
    unrepeated = written(_as_pairs(raw, None, 0, None), rng).encode()
    assert decode_valid(unrepeated, NOW) in (expected, None)
    assert repeated_key_violations(unrepeated, orjson.loads(unrepeated)) == []

    where = data.draw(st.sampled_from(_objects(raw)))
    value = data.draw(st.none() | st.integers() | st.text(max_size=4) | st.booleans())
    repeated = written(_as_pairs(raw, where, key, value), rng).encode()
    assert decode_valid(repeated, NOW) is None
    assert decode_valid_batch(b"[" + repeated + b"]", NOW) is None
    (violation,) = repeated_key_violations(repeated, orjson.loads(repeated))
    assert violation.field.startswith(".".join(where)) and violation.message == REPEATED_KEY


def test_no_data_rule_takes_a_float() -> None:
    """`_repeats_keys` proves a valid event has no repeated key by its length,
    which holds only if msgspec writes each number of it as the document did:
    true of integers, not of floats (`1E2` comes back as `100.0`). A rule taking
    a float needs the quote count alone there."""
    allowed = (
        msgspec.inspect.IntType,
        msgspec.inspect.BoolType,
        msgspec.inspect.StrType,
        msgspec.inspect.NoneType,
        msgspec.inspect.LiteralType,
    )
    for name, rule in TYPE_RULES.items():
        info = msgspec.inspect.type_info(rule.fast)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            kinds = (
                field.type.types
                if isinstance(field.type, msgspec.inspect.UnionType)
                else [field.type]
            )
            assert all(isinstance(kind, allowed) for kind in kinds), (name, field.name)


def test_what_orjson_cannot_read_is_left_to_the_full_path() -> None:
    huge = b'{"id":"a","type":"survey.answered","customer_id":"c","channel":"chat",' + (
        b'"occurred_at":"2026-03-02T10:00:00Z","data":{"csat":99999999999999999999}}'
    )
    assert decode_valid(huge, NOW) is None
    assert decode_valid(b'{"id":"a\\ud800"}', NOW) is None


def test_a_batch_decodes_in_one_pass_only_when_every_event_is_valid() -> None:
    good = [event(), event("case.opened")]
    decoded = decode_valid_batch(orjson.dumps(good), NOW)
    assert decoded == [check(raw) for raw in good]
    assert decode_valid_batch(orjson.dumps([*good, event(channel="fax")]), NOW) is None
    assert decode_valid_batch(orjson.dumps(event()), NOW) is None  # not an array


@given(valid_events())
def test_the_canonical_form_is_the_one_first_written(raw: dict[str, Any]) -> None:
    """Stored digests depend on it: the present fields, sorted, as orjson wrote them."""
    valid = check(raw)
    assert isinstance(valid, ValidEvent)
    present = {name: getattr(valid, name) for name in FIELDS if getattr(valid, name) is not None}
    assert valid.canonical() == orjson.dumps(
        present, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z
    )


def test_a_phone_without_plus_is_accepted_only_with_a_region_and_stored_as_given() -> None:
    raw = event("identity.linked", data={"kind": "phone"}, pii={"value": "8 (912) 345-67-89"})
    russia = Normaliser("RU")

    assert fields_of(check(raw)) == ["pii.value"]
    assert decode_valid(orjson.dumps(raw), NOW) is None
    accepted = validate_event(raw, 0, NOW, russia)
    assert isinstance(accepted, ValidEvent)
    assert accepted.pii == {"value": "8 (912) 345-67-89"}  # the client's value, not the normalised
    assert decode_valid(orjson.dumps(raw), NOW, russia) == accepted
    assert decode_valid_batch(orjson.dumps([raw]), NOW, russia) == [accepted]
    assert EventIn.model_validate(raw, context={"normaliser": russia}).valid() == accepted


def test_an_identity_violation_reads_with_the_field_and_why() -> None:
    raw = event("identity.linked", id="e-9", pii={"value": "anna.example.com"})
    (violation,) = validate_event(raw, 0, NOW)  # type: ignore[misc]
    assert str(violation) == (
        "event 'e-9' (#0): pii.value: does not normalise as email: "
        "an e-mail address needs exactly one @"
    )
    merged = event("customer.merged", id="e-10", data={"into": "cust-1"})
    (violation,) = validate_event(merged, 1, NOW)  # type: ignore[misc]
    assert str(violation) == (
        "event 'e-10' (#1): data.into: must name another customer than the event's customer_id"
    )
