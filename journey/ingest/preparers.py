"""Preparer processes: validating, sealing and encoding events is CPU work that
holds the interpreter lock, so it runs in processes of its own beside the one
that writes (the import's writer, the API's group commit).

Each preparer has its own ingestor (its own connection, for data keys), made by
`Preparers.make_ingestor`, which must be picklable (e.g.
`journey.runtime.Runtime.preparers`). Prepared events cross back packed
(`pack`, `unpack`) as MessagePack arrays by msgspec, which makes the `NewEvent`s
again while it decodes: a third of the time pickle takes over named tuples
(pickle remembers every object it writes, and names each tuple's class), and
less than `marshal` of plain tuples, which then had to be named again.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import msgspec

from journey.ingest.ingestor import Ingestor
from journey.ingest.memory import collect_rarely
from journey.stored.rows import NewEvent

PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Preparers:
    """`processes` preparers, each with the ingestor `make_ingestor` makes.
    `niceness` > 0 makes them yield the CPU to the writer when it has work (the
    import, where the writer is the critical path and preparers work ahead)."""

    processes: int
    make_ingestor: Callable[[], Ingestor]
    niceness: int = 0

    def start(self) -> tuple[ProcessPoolExecutor, list[Future[bool]]]:
        """The pool, every process starting now (each takes about half a second:
        imports, a connection), and a future per process, done once it is ready."""
        pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of pools and threads
            initializer=_start,
            initargs=(self.make_ingestor, self.niceness, os.getpid()),
        )
        return pool, [pool.submit(_started) for _ in range(self.processes)]


_ingestor: Ingestor | None = None  # a preparer process's own


def _start(make_ingestor: Callable[[], Ingestor], niceness: int, parent: int) -> None:
    global _ingestor
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _ingestor = make_ingestor()
    os.nice(niceness)
    collect_rarely()  # a preparer keeps no garbage cycles: about 2 us less per event


def _exit_with(parent: int) -> None:
    """End this process once its parent is gone (killed, say: nothing would tell
    a preparer waiting for work, and it holds a database connection)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _started() -> bool:
    return _ingestor is not None


def ingestor() -> Ingestor:
    """This preparer process's ingestor."""
    assert _ingestor is not None, "not a preparer process"
    return _ingestor


def prepare_body(body: bytes) -> bytes:
    """A request body holding a JSON array of events, validated (`BatchRejected`
    names every bad event and field), sealed and encoded: `NewEvent`s, packed."""
    mine = ingestor()
    return pack(mine.prepare(mine.validate_body(body)))


def pack(events: Sequence[NewEvent]) -> bytes:
    """Prepared events as they cross processes."""
    return _PACK.encode(events)


def unpack(packed: bytes) -> list[NewEvent]:
    """What `pack` made (each field's type checked as it is decoded)."""
    return _UNPACK.decode(packed)


_PACK = msgspec.msgpack.Encoder()
_UNPACK = msgspec.msgpack.Decoder(list[NewEvent])
