"""What refusing repeated JSON keys costs (`journey.ingest.json_keys`): the
validation fast path of `journey import` with the check against the same path
without it, and the check `POST /v1/events` runs on a whole body against the
body's `orjson.loads`. Interleaved rounds in one process, the fastest of each
kept: a busy machine slows both sides alike. CPU only, no database; a few
seconds; on a loaded machine the ratios move by a tenth or more between runs.

Compact lines (orjson's, JavaScript's) take the length test: one msgspec
encoding of the decoded event, about 4,100 instructions (valgrind) where the
fast path took 27,500, and 4,000 of the import's 155,000 per event
(`python -m bench.instructions`). Spaced lines (Python's `json.dumps`) take the
quote counts as well, about 12,000 instructions. The body check on the server
is an encoding of the whole body and two counts of its quotes."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

import orjson

from bench.report import Goal, Row
from bench.scale import Scale
from bench.workload import event_lines
from journey.identities.normalise import NO_REGION
from journey.ingest.validation import (
    _DECODE_ONE,
    _passed,
    decode_valid,
    repeated_key_violations,
)

EVENTS = 10_000
ROUNDS = 15
BATCH = 1_000
MICROSECONDS = 1e6
NOW = datetime(2100, 1, 1, tzinfo=UTC)


def run(scale: Scale, server: str) -> list[Row]:
    compact = list(event_lines(EVENTS))
    spaced = [json.dumps(orjson.loads(line)).encode() for line in compact]  # ", " and ": "
    bodies = [b"[" + b",".join(compact[i : i + BATCH]) + b"]" for i in range(0, EVENTS, BATCH)]
    timed = _fastest(
        {
            "compact checked": _each(compact, lambda line: decode_valid(line, NOW)),
            "compact unchecked": _each(compact, _unchecked),
            "spaced checked": _each(spaced, lambda line: decode_valid(line, NOW)),
            "spaced unchecked": _each(spaced, _unchecked),
            "body checked": _each(bodies, _checked_body),
            "body decoded": _each(bodies, orjson.loads),
        }
    )
    per_event = {name: seconds / EVENTS * MICROSECONDS for name, seconds in timed.items()}
    return [
        _row("validation fast path, compact lines", "compact", per_event, 1.25),
        _row("validation fast path, lines spaced as json.dumps writes", "spaced", per_event, 1.5),
        Row(
            name=f"POST /v1/events body read and checked, {BATCH:,}-event batches",
            unit="us/event",
            measured=per_event["body checked"],
            baseline=per_event["body decoded"],
            baseline_name="the body's `orjson.loads` alone",
            goal=Goal("ratio", "<=", 2.5),
            details={"events": EVENTS, "rounds": ROUNDS},
        ),
    ]


def _unchecked(line: bytes) -> object:
    """`decode_valid` as it was before repeated keys were looked for."""
    return _passed(_DECODE_ONE.decode(line), NOW, NO_REGION)


def _checked_body(body: bytes) -> object:
    raw = orjson.loads(body)
    if repeated_key_violations(body, raw):
        raise RuntimeError("a generated body repeats a key")
    return raw


def _each(items: list[bytes], call: Callable[[bytes], Any]) -> Callable[[], None]:
    def every() -> None:
        for item in items:
            if call(item) is None:
                raise RuntimeError("a generated event was refused")

    return every


def _fastest(paths: dict[str, Callable[[], None]]) -> dict[str, float]:
    best = dict.fromkeys(paths, float("inf"))
    gc.collect()
    gc.disable()
    try:
        for _ in range(ROUNDS):
            for name, path in paths.items():
                start = perf_counter()
                path()
                best[name] = min(best[name], perf_counter() - start)
    finally:
        gc.enable()
    return best


def _row(name: str, lines: str, per_event: dict[str, float], limit: float) -> Row:
    return Row(
        name=f"{name}, repeated-key check in",
        unit="us/event",
        measured=per_event[f"{lines} checked"],
        baseline=per_event[f"{lines} unchecked"],
        baseline_name="the same path without the check",
        goal=Goal("ratio", "<=", limit),
        details={"events": EVENTS, "rounds": ROUNDS},
    )
