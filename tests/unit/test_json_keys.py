"""Repeated keys in JSON objects: found at any depth after escapes are decoded,
never invented from text inside strings, and the cheap proof of their absence
never wrong (held against the standard library's pairs by hypothesis)."""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from journey.ingest.json_keys import UNREAD, Path, repeated_keys, surely_unrepeated
from tests.json_text import Pairs, written


def reencoded(document: bytes) -> bytes:
    """`document` decoded (the last value of a repeated key kept) and encoded again."""
    return msgspec.json.encode(msgspec.json.decode(document))


def test_a_repeated_key_is_found_at_the_top_and_in_nested_objects() -> None:
    document = b'{"id":"a","data":{"csat":1,"nps":2,"csat":3},"pii":{"x":"1"},"id":"b"}'
    assert repeated_keys(document) == [("id",), ("data", "csat")]


def test_objects_inside_arrays_are_searched_by_index() -> None:
    document = b'[{"a":1},{"b":[{"c":1},{"c":1,"c":2}]},{"d":{"e":0,"e":0}}]'
    assert repeated_keys(document) == [(1, "b", 1, "c"), (2, "d", "e")]


def test_a_key_three_times_is_named_once() -> None:
    assert repeated_keys(b'{"k":1,"k":2,"k":3}') == [("k",)]


def test_escaped_spellings_of_one_key_are_the_same_key() -> None:
    document = b'{"id":"a","\\u0069d":"b"}'
    assert orjson.loads(document) == {"id": "b"}
    assert repeated_keys(document) == [("id",)]
    assert not surely_unrepeated(document, reencoded(document), numbers_as_written=True)


def test_key_like_text_inside_strings_is_no_key() -> None:
    document = b'{"id":"x\\"id\\":\\"y","note":"\\"id\\":1, \\"id\\":2","data":{"t":"\\":"}}'
    assert repeated_keys(document) == []
    assert surely_unrepeated(document, reencoded(document))
    assert surely_unrepeated(document, reencoded(document), numbers_as_written=True)


def test_different_keys_and_the_same_key_in_different_objects_are_no_repeat() -> None:
    document = b'{"a":{"id":1},"b":{"id":1},"id":[{"id":2},{"id":3}]}'
    assert repeated_keys(document) == []
    assert surely_unrepeated(document, reencoded(document))


def test_whitespace_and_escapes_do_not_defeat_the_cheap_proof() -> None:
    document = b'{ "id" : "caf\\u00e9\\n\\"" ,\n  "n" : [ 1 , -0 , null , true ] }'
    assert surely_unrepeated(document, reencoded(document))
    assert surely_unrepeated(document, reencoded(document), numbers_as_written=True)


def test_a_quote_written_as_u0022_leaves_the_answer_to_the_parser() -> None:
    """`\\u0022` puts a quote in a string without one in the document: the
    quote counts prove nothing then."""
    repeated = b'{"a":0,"a":"x","s":"\\u0022\\u0022"}'
    assert not surely_unrepeated(repeated, reencoded(repeated))
    assert repeated_keys(repeated) == [("a",)]


def test_a_float_written_short_defeats_only_the_length_proof() -> None:
    """`1E2` comes back as `100.0`: two bytes longer, as long as a repeated pair's
    worth of lengthened floats hides it. The quote counts still see it."""
    document = b'{"a":1,"a":1,"f":[1E2,1E2,1E2]}'
    encoded = reencoded(document)
    assert len(encoded) == len(document)
    assert not surely_unrepeated(document, encoded)
    assert repeated_keys(document) == [("a",)]


def test_a_document_nested_beyond_the_parser_is_reported_as_such() -> None:
    assert repeated_keys(b"[" * 5000 + b"]" * 5000) == [UNREAD]


# The property: random JSON text, keys from a few (so repeats are common), every
# way of writing strings (escapes of any character), numbers and whitespace.


def reference(document: bytes) -> list[Path]:
    """Every repeated key, by the standard library's `object_pairs_hook`,
    including those inside values a later repeat replaced."""
    found: list[Path] = []

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, Pairs):
            keys = [key for key, _ in value]
            found.extend((*path, key) for key in dict.fromkeys(keys) if keys.count(key) > 1)
            for key, item in value:
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(json.loads(document, object_pairs_hook=Pairs), ())
    return found


KEYS = st.sampled_from(["id", "a", "é", 'q"', "x:y", "\\", "\n", "\U0001f600", ""])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
TREES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.lists(st.tuples(KEYS, children), max_size=5).map(Pairs)
    ),
    max_leaves=20,
)


def has_float(value: Any) -> bool:
    if isinstance(value, Pairs):
        return any(has_float(item) for _, item in value)
    if isinstance(value, list):
        return any(has_float(item) for item in value)
    return isinstance(value, float)


@given(TREES.filter(lambda tree: isinstance(tree, Pairs)), st.randoms(use_true_random=False))
@example(Pairs([("a", 1), ("a", 1), ("f", [100.0, 100.0, 100.0])]), random.Random(0))
@example(Pairs([("id", "x"), ("id", 'y":"')]), random.Random(1))
def test_the_detector_agrees_with_the_standard_librarys_pairs(
    tree: Pairs, rng: random.Random
) -> None:
    document = written(tree, rng).encode()
    expected = reference(document)
    found = repeated_keys(document)
    assert bool(found) == bool(expected)
    assert set(found) <= set(expected)  # what a later repeat replaced is not searched
    encoded = reencoded(document)
    if surely_unrepeated(document, encoded):
        assert expected == [], document
    if surely_unrepeated(document, encoded, numbers_as_written=not has_float(tree)):
        assert expected == [], document


@pytest.mark.parametrize(
    "document",
    [b'{"id":"a"}', b'{"id": "a", "n": [1, 2, {"b": null}]}', b'[{"a":1},{"a":2}]'],
)
def test_the_cheap_proof_holds_for_documents_without_repeats(document: bytes) -> None:
    assert surely_unrepeated(document, reencoded(document))
