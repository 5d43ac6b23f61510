"""Bulk import of JSON Lines (SPEC 9 `journey import`): the API's validation and
idempotency, in atomic batches; a bad line is reported and skipped, never
stopping the valid ones. Streams the file: memory stays flat whatever its size.

The work is split in two. Preparing a chunk of lines (parse, validate, seal the
pii, digest, encode) is CPU work with no order between chunks: it runs in
`Preparers` processes when given (one per core), else in one thread beside the
writer. Writing (positions, versions, hash chains, `COPY`, commit) happens in
this process, chunk after chunk in file order, so the first of two lines with
the same id wins as it would in one process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

import orjson

from journey.ingest.ingestor import BatchRejected, Ingestor
from journey.ingest.memory import rare_collections
from journey.ingest.ports import CREATED, AppendResult, EventConflict, StaleDataKey
from journey.ingest.preparers import Preparers, pack, unpack
from journey.ingest.preparers import ingestor as preparer_ingestor
from journey.ingest.validation import decode_valid, repeated_key_violations
from journey.vocabulary.envelope import ValidEvent

BATCH_LINES = 4000  # a transaction's fixed costs shared by more lines (400k events: 51k events/s
# at 1,000 lines, 59k at 4,000, 63k at 8,000), for more memory per chunk in flight
PREPARER_NICENESS = 10  # the writer is the critical path: preparers work ahead otherwise
MAX_REPORTED = 1000
Lines = tuple[int, list[bytes]]  # (number of the first line, the lines, blank ones too)


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


class _Prepared(NamedTuple):
    rejects: list[tuple[int, str]]
    new_events: bytes  # `NewEvent`s, packed (`journey.ingest.preparers.pack`): they cross processes


def import_lines(
    ingestor: Ingestor,
    lines: Iterable[bytes],
    progress: Callable[[int], None] = lambda _: None,
    batch_lines: int = BATCH_LINES,
    preparers: Preparers | None = None,
) -> ImportSummary:
    """Import in atomic batches of `batch_lines`, written in file order while the
    next chunks are being prepared."""
    summary = ImportSummary()
    with _preparing(ingestor, preparers) as (prepare, ahead), rare_collections():
        pending: deque[tuple[Lines, Future[_Prepared]]] = deque()
        for chunk in _chunks(iter(lines), batch_lines):
            pending.append((chunk, prepare(chunk)))
            if len(pending) > ahead:
                _write(ingestor, *pending.popleft(), summary, progress)
        while pending:
            _write(ingestor, *pending.popleft(), summary, progress)
    return summary


@contextmanager
def _preparing(
    ingestor: Ingestor, preparers: Preparers | None
) -> Iterator[tuple[Callable[[Lines], Future[_Prepared]], int]]:
    """(submit a chunk for preparing, how many chunks to keep in preparation)."""
    executor: Executor
    if preparers is None or preparers.processes < 1:
        with ThreadPoolExecutor(1, thread_name_prefix="import-prepare") as executor:
            yield lambda chunk: executor.submit(_prepare, ingestor, chunk), 1
        return
    executor, started = preparers.start()
    with ThreadPoolExecutor(1, thread_name_prefix="import-prepare") as here, executor:
        # Chunks are prepared here until the first preparer is ready.
        def prepare(chunk: Lines) -> Future[_Prepared]:
            if not any(future.done() for future in started):
                return here.submit(_prepare, ingestor, chunk)
            return executor.submit(_prepare_here, chunk)

        yield prepare, 2 * preparers.processes


def _prepare_here(chunk: Lines) -> _Prepared:
    return _prepare(preparer_ingestor(), chunk)


def _prepare(ingestor: Ingestor, chunk: Lines) -> _Prepared:
    rejects: list[tuple[int, str]] = []
    valid = _valid_events(ingestor, chunk, rejects)
    new_events = ingestor.prepare([event for _, event in valid]) if valid else []
    return _Prepared(rejects, pack(new_events) if new_events else b"")


def _write(
    ingestor: Ingestor,
    chunk: Lines,
    prepared: Future[_Prepared],
    summary: ImportSummary,
    progress: Callable[[int], None],
) -> None:
    rejects, new_events = prepared.result()
    for number, reason in rejects:
        summary.reject(number, reason)
    if new_events:
        try:
            _count(summary, ingestor.write(unpack(new_events)))
        except (EventConflict, StaleDataKey):  # rare: redo this chunk here, line by line
            _append(ingestor, _valid_events(ingestor, chunk, []), summary)
    progress(sum(map(len, chunk[1])))


def _valid_events(
    ingestor: Ingestor, chunk: Lines, rejects: list[tuple[int, str]]
) -> list[tuple[int, ValidEvent]]:
    valid = []
    now = ingestor.now()
    first, lines = chunk
    for number, line in enumerate(lines, start=first):
        if not line or line.isspace():
            continue
        fast = decode_valid(line, now, ingestor.normaliser)
        if fast is not None:
            valid.append((number, fast))
            continue
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            rejects.append((number, f"invalid JSON: {error}"))
            continue
        violations = repeated_key_violations(line, raw)
        try:
            events = [] if violations else ingestor.validate([raw])
        except BatchRejected as rejected:
            violations = rejected.violations
        if violations:
            rejects.append((number, "; ".join(str(v).split(": ", 1)[1] for v in violations)))
        else:
            valid.append((number, events[0]))
    return valid


def _append(
    ingestor: Ingestor, valid: list[tuple[int, ValidEvent]], summary: ImportSummary
) -> None:
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
    created = sum(result.status == CREATED for result in results)
    summary.created += created
    summary.duplicate += len(results) - created


def _chunks(lines: Iterator[bytes], size: int) -> Iterator[Lines]:
    """The lines as they come, numbered by their first: blank lines are skipped
    where a chunk is prepared, not here (the writer's process is the bottleneck)."""
    first = 1
    while chunk := list(islice(lines, size)):
        yield first, chunk
        first += len(chunk)
