"""What the routes use, opened once per app in its lifespan (never at import)."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from psycopg.conninfo import make_conninfo
from starlette.concurrency import run_in_threadpool

from api.feed import Notifications
from api.keys import ApiKeys
from api.metrics import Metrics
from journey.ingest.group_commit import GroupCommitter
from journey.ingest.ingestor import AppendResult
from journey.ingest.preparers import prepare_body, unpack
from journey.integrity.audit import AuditService
from journey.postgres.audit_rows import audit_service
from journey.postgres.database import ConnectionParams
from journey.postgres.reads import EventReads
from journey.reading.replay import Replays
from journey.rules.sla_config import load_sla_config
from journey.runtime import Store, open_store
from journey.settings import Settings
from projections.queries import ReadModel

log = logging.getLogger(__name__)
POOL_SIZE = 8
DATABASE_WAIT_SECONDS = 0.5  # then 503 + Retry-After, not the pool's 30 s hang
INLINE_VALIDATION = 20  # events validated on the event loop itself (~20 us each)
PREPARERS = os.cpu_count() or 2  # not niced: they do most of a large batch's work


def _preparers(store: Store) -> ProcessPoolExecutor:
    """Preparer processes for large batches, started now."""
    pool, _ = store.preparers(PREPARERS).start()
    return pool


@dataclass
class Services:
    store: Store
    api_keys: ApiKeys
    reads: EventReads
    replays: Replays
    audit: AuditService
    read_model: ReadModel
    notifications: Notifications
    metrics: Metrics
    committer: GroupCommitter
    preparers: ProcessPoolExecutor

    @classmethod
    def open(cls, settings: Settings, database_url: str | None, metrics: Metrics) -> Services:
        store = open_store(settings, database_url, pool_size=POOL_SIZE)
        pool = store.datastore.pool
        pool.timeout = DATABASE_WAIT_SECONDS
        sla_config = load_sla_config(settings.sla_config_path)
        reads = EventReads(pool)
        listen_as = ConnectionParams.from_url(store.database_url).conninfo()
        services = cls(
            store=store,
            api_keys=ApiKeys(pool),
            reads=reads,
            replays=Replays(reads, sla_config.policy_for),
            audit=audit_service(store),
            read_model=ReadModel(store, sla_config, settings.repeat_window),
            notifications=Notifications(
                make_conninfo(listen_as, options=f"-c role={settings.db_role}")
            ),
            metrics=metrics,
            committer=GroupCommitter(store.ingestor),
            preparers=_preparers(store),
        )
        metrics.watch_positions(services.positions)
        return services

    async def ingest(self, batch: list[Any], body: bytes) -> list[AppendResult]:
        """Validate and prepare, then append with whatever other requests are
        waiting (group commit); answered after the commit. A large batch (`body`
        holds it as a JSON array) is validated and prepared in a preparer process,
        leaving this one to HTTP and writing."""
        if len(batch) <= INLINE_VALIDATION:  # cheaper than a hop to another thread
            return await self.committer.commit(self.store.ingestor.validate(batch))
        try:
            packed = await asyncio.get_running_loop().run_in_executor(
                self.preparers, prepare_body, body
            )
        except BrokenExecutor:  # a preparer died: start others, do this one here
            log.warning("preparer processes restarted")
            broken, self.preparers = self.preparers, _preparers(self.store)
            broken.shutdown(wait=False, cancel_futures=True)
            events = await run_in_threadpool(self.store.ingestor.validate, batch)
            return await self.committer.commit(events)
        return await self.committer.commit_prepared(unpack(packed), batch)

    def positions(self) -> tuple[int, list[dict[str, Any]]]:
        """The newest position and each projection's state, for `/metrics`."""
        projections = self.read_model.projections()
        return self.reads.last_position(), projections

    def close(self) -> None:
        self.preparers.shutdown(cancel_futures=True)
        self.committer.close()
        self.store.close()
