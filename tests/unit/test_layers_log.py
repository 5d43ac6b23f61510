"""The read side has one reader of the event log: outside the recorder (which
writes it) and the migrations (which make it), only `journey.postgres.reads`
spells the events table's name; every other module asks it (`EVENTS`,
`EVENTS_TABLE`, `CHANNEL`, or its reads)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("journey", "projections", "api", "cli")
ALLOWED = {"journey/postgres/reads.py", "journey/postgres/recorder.py"}
TABLE = re.compile(r"\bjourney_events\b")  # not `journey_events_ingested` (a metric)


def spelling_the_table() -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.relative_to(ROOT).as_posix() not in ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if TABLE.search(line)
    )


def test_only_the_log_reader_and_the_recorder_name_the_events_table() -> None:
    assert spelling_the_table() == []


def test_the_check_finds_the_log_reader_itself() -> None:
    """Guard against a check that could never fail (a wrong root, say)."""
    reads = (ROOT / "journey/postgres/reads.py").read_text()
    assert TABLE.search(reads)
    assert not TABLE.search('"journey_events_ingested"')
