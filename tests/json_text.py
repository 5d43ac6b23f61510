"""JSON text written by hand, for tests of what decoders do with it: objects
as their pairs (a key may repeat), every string, number and gap written one of
the ways JSON allows."""

from __future__ import annotations

import json
import random
from typing import Any


class Pairs(list[tuple[str, Any]]):
    """An object as written: its pairs, repeats included."""


SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "/": "\\/"}


def written(value: Any, rng: random.Random) -> str:
    """`value` as JSON text, each string, number and gap written one of the
    ways JSON allows."""
    gap = rng.choice(["", "", " ", "\n  "])
    if isinstance(value, Pairs):
        pairs = (f"{gap}{written(key, rng)}{gap}:{written(item, rng)}{gap}" for key, item in value)
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(f"{gap}{written(item, rng)}" for item in value) + "]"
    if isinstance(value, str):
        return '"' + "".join(_char(char, rng) for char in value) + '"'
    if isinstance(value, float):
        return rng.choice([repr, "{:e}".format, "{:E}".format, "{:.17g}".format])(value)
    if value == 0 and value is not False:
        return rng.choice(["0", "-0"])
    return json.dumps(value)


def _char(char: str, rng: random.Random) -> str:
    units = char.encode("utf-16-be")  # a surrogate pair above the BMP
    escaped = "".join(f"\\u{units[i]:02x}{units[i + 1]:02X}" for i in range(0, len(units), 2))
    choices = [escaped, SHORT.get(char, escaped)]
    if char not in '"\\' and ord(char) >= 0x20:
        choices += [char, char]
    return rng.choice(choices)
