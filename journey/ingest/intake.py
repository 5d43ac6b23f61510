"""The one ingest call of a server (`POST /v1/events`): validate and prepare a
batch, then append it with whatever other requests are waiting (group commit),
answered after the commit.

A small batch is validated on the caller's event loop (cheaper than a hop to a
thread); a large one (`body` holds it as a JSON array) is validated, sealed and
encoded in a preparer process, leaving the server's process to HTTP and
writing. Should a preparer die, others are started and the batch is done here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from typing import Any

from journey.ingest.group_commit import GroupCommitter
from journey.ingest.ingestor import Ingestor
from journey.ingest.ports import AppendResult
from journey.ingest.preparers import prepare_body, unpack

log = logging.getLogger(__name__)
INLINE_VALIDATION = 20  # events validated on the event loop itself (~20 us each)


class Intake:
    def __init__(self, ingestor: Ingestor, start_preparers: Callable[[], ProcessPoolExecutor]):
        self._ingestor = ingestor
        self._start_preparers = start_preparers
        self._preparers = start_preparers()
        self.committer = GroupCommitter(ingestor)

    async def append(self, batch: list[Any], body: bytes) -> list[AppendResult]:
        """Store a batch atomically and idempotently (`BatchRejected`, `EventConflict`)."""
        if len(batch) <= INLINE_VALIDATION:
            return await self.committer.commit(self._ingestor.validate(batch))
        loop = asyncio.get_running_loop()
        try:
            packed = await loop.run_in_executor(self._preparers, prepare_body, body)
        except BrokenExecutor:
            log.warning("preparer processes restarted")
            broken, self._preparers = self._preparers, self._start_preparers()
            broken.shutdown(wait=False, cancel_futures=True)
            events = await loop.run_in_executor(None, self._ingestor.validate, batch)
            return await self.committer.commit(events)
        return await self.committer.commit_prepared(unpack(packed), batch)

    def close(self) -> None:
        self._preparers.shutdown(cancel_futures=True)
        self.committer.close()
