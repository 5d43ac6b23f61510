"""What the routes use, opened once per app in its lifespan (never at import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.conninfo import make_conninfo
from starlette.concurrency import run_in_threadpool

from api.feed import Notifications
from api.keys import ApiKeys
from api.metrics import Metrics
from journey.adapters.audit import audit_service
from journey.adapters.database import ConnectionParams
from journey.adapters.reads import EventReads
from journey.audit import AuditService
from journey.group_commit import GroupCommitter
from journey.ingestion import AppendResult
from journey.replay import Replays
from journey.runtime import Store, open_store
from journey.settings import Settings
from journey.sla_config import load_sla_config
from projections.queries import ReadModel

POOL_SIZE = 8
DATABASE_WAIT_SECONDS = 0.5  # then 503 + Retry-After, not the pool's 30 s hang
INLINE_VALIDATION = 20  # events validated on the event loop itself (~20 us each)


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
        )
        metrics.watch_positions(services.positions)
        return services

    async def ingest(self, batch: list[Any]) -> list[AppendResult]:
        """Validate, then append with whatever other requests are waiting (group
        commit); answered after the commit."""
        if len(batch) <= INLINE_VALIDATION:  # cheaper than a hop to the thread pool
            events = self.store.ingestor.validate(batch)
        else:
            events = await run_in_threadpool(self.store.ingestor.validate, batch)
        return await self.committer.commit(events)

    def positions(self) -> tuple[int, list[dict[str, Any]]]:
        """The newest position and each projection's state, for `/metrics`."""
        projections = self.read_model.projections()
        return self.reads.last_position(), projections

    def close(self) -> None:
        self.committer.close()
        self.store.close()
