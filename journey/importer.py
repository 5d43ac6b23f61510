"""Bulk import of JSON Lines (SPEC 9 `journey import`): the API's validation and
idempotency, in atomic batches; a bad line is reported and skipped, never
stopping the valid ones. Streams the file: memory stays flat whatever its size."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

import orjson

from journey.adapters.postgres import EventConflict
from journey.ingestion import AppendResult, BatchRejected, Ingestor, Prepared
from journey.validation import EventIn

BATCH_LINES = 1000
MAX_REPORTED = 1000


@dataclass
class ImportSummary:
    created: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    def reject(self, line_number: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejects) < MAX_REPORTED:
            self.rejects.append((line_number, reason))


def import_lines(
    ingestor: Ingestor,
    lines: Iterable[bytes],
    progress: Callable[[int], None] = lambda _: None,
    batch_lines: int = BATCH_LINES,
) -> ImportSummary:
    """Import in batches; while one batch is being written (waiting on the
    database), the next is parsed, validated and sealed."""
    summary = ImportSummary()
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        pending: Future[None] | None = None
        for chunk in _chunks(numbered, batch_lines):
            valid = _valid_events(ingestor, chunk, summary)
            prepared = ingestor.prepare([event for _, event in valid]) if valid else None
            if pending is not None:
                pending.result()
            pending = writer.submit(_write, ingestor, valid, prepared, summary)
            progress(sum(len(line) for _, line in chunk))
        if pending is not None:
            pending.result()
    return summary


def _write(
    ingestor: Ingestor,
    valid: list[tuple[int, EventIn]],
    prepared: Prepared | None,
    summary: ImportSummary,
) -> None:
    if prepared is None:
        return
    try:
        _count(summary, ingestor.write(prepared))
    except EventConflict:
        _append(ingestor, valid, summary)


def _valid_events(
    ingestor: Ingestor, chunk: list[tuple[int, bytes]], summary: ImportSummary
) -> list[tuple[int, EventIn]]:
    valid = []
    for number, line in chunk:
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            summary.reject(number, f"invalid JSON: {error}")
            continue
        try:
            (event,) = ingestor.validate([raw])
        except BatchRejected as rejected:
            summary.reject(number, "; ".join(str(v).split(": ", 1)[1] for v in rejected.violations))
            continue
        valid.append((number, event))
    return valid


def _append(ingestor: Ingestor, valid: list[tuple[int, EventIn]], summary: ImportSummary) -> None:
    """Append a batch atomically; lines in conflict are rejected and the rest retried."""
    while valid:
        try:
            results = ingestor.append_valid([event for _, event in valid])
        except EventConflict as conflict:
            bad = {index for index, _, _ in conflict.conflicts}
            for index in sorted(bad):
                number, event = valid[index]
                summary.reject(number, f"id {event.id!r} already stored with different content")
            valid = [line for index, line in enumerate(valid) if index not in bad]
            continue
        _count(summary, results)
        return


def _count(summary: ImportSummary, results: list[AppendResult]) -> None:
    for result in results:
        if result.status == "created":
            summary.created += 1
        else:
            summary.duplicate += 1


def _chunks(items: Iterator[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    while chunk := list(islice(items, size)):
        yield chunk
