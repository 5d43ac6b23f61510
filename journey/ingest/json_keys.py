"""Keys a JSON object repeats: `{"id": "a", "id": "b"}`.

JSON leaves such a document's meaning open: orjson and msgspec keep the last
value, other parsers the first or an error, so a CRM and the store could read
one event two ways (its idempotency key, its audited content). It is refused.

Neither decoder reports a repeated key, and finding them takes a parse of its
own (`repeated_keys`, the standard library's: about 3 us an event, as much as
the whole of validation's fast path). `surely_unrepeated` spares it almost
always: it compares the document with what was decoded from it (the last value
winning) encoded again, by their lengths or their quotes.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

Path = tuple[int | str, ...]  # keys and array indices, outermost first
UNREAD: Path = ()  # `repeated_keys`' answer when the standard parser could not read it


def surely_unrepeated(document: bytes, encoded: bytes, numbers_as_written: bool = False) -> bool:
    """True when no object of `document` repeats a key, `encoded` being msgspec's
    encoding of what a decoder that keeps the last value made of it (dicts, lists,
    scalars, structs with `omit_defaults`); False when one may (then ask
    `repeated_keys`).

    A repeated key is a pair missing from `encoded`: at least `"":0,`, five bytes
    and two quotes. And msgspec writes compactly, with the shortest escapes,
    leaving defaults out. So:

    - when `numbers_as_written` (every number of `encoded` an integer, or a float
      msgspec writes no longer than `document` did: not so for any document,
      `1E2` comes back as `100.0`), `encoded` is never longer than `document`,
      and as long only if `document` is compact, left out no default and
      repeated no key: equal lengths prove it;
    - each string of `document` puts two quotes in it, and each `"` inside a
      string one more (`\\"`) unless written `\\u0022`: without a `\\u0022`,
      `document` holds as many quotes as `encoded` only if no string, so no key,
      was dropped. Whitespace and escapes change nothing there; an explicit
      `null` or `{}` left out as a default does (False: the parser decides).
    """
    if numbers_as_written and len(encoded) == len(document):
        return True
    return encoded.count(b'"') == document.count(b'"') and (
        b"\\" not in document or b"\\u0022" not in document  # the first is cheaper
    )


def repeated_keys(document: bytes) -> list[Path]:
    """The path of each key repeated in an object of `document`, a valid JSON
    document, in document order (escapes decoded first: `"\\u0069d"` is `"id"`);
    [UNREAD] when the standard parser cannot read it: nested deeper than its limit
    (orjson reads 1,024 levels), or, should it ever differ from orjson there, an
    unusual document."""
    found: list[_Repeated] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) == len(pairs):
            return value
        repeated = _Repeated(value)
        counts = Counter(key for key, _ in pairs)
        repeated.keys_repeated = [key for key, count in counts.items() if count > 1]
        found.append(repeated)
        return repeated

    try:
        decoded = json.JSONDecoder(object_pairs_hook=pairs_hook).decode(document.decode())
        return _paths(decoded, ()) if found else []
    except (RecursionError, ValueError):
        return [UNREAD]


class _Repeated(dict[str, Any]):
    """A decoded object that repeated keys (`keys_repeated`, each once)."""

    keys_repeated: list[str]


def _paths(value: Any, path: Path) -> list[Path]:
    found: list[Path] = []
    if isinstance(value, _Repeated):
        found += [(*path, key) for key in value.keys_repeated]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found
