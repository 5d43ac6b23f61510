"""What the routes use, opened once per app in its lifespan (never at import)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from psycopg.conninfo import make_conninfo

from api.feed import Notifications
from api.keys import ApiKeys
from api.metrics import Metrics
from journey.ingest.intake import Intake
from journey.integrity.audit import AuditService
from journey.postgres.database import ConnectionParams
from journey.postgres.reads import EventReads
from journey.reading.replay import Replays
from journey.runtime import Runtime, open_runtime
from journey.settings import Settings
from projections.identity_reads import IdentityReads, identity_reads_of
from projections.queries import ReadModel

log = logging.getLogger(__name__)
POOL_SIZE = 8
DATABASE_WAIT_SECONDS = 0.5  # then 503 + Retry-After, not the pool's 30 s hang
PREPARERS = os.cpu_count() or 2  # not niced: they do most of a large batch's work


def _preparers(store: Runtime) -> ProcessPoolExecutor:
    """Preparer processes for large batches, started now."""
    pool, _ = store.preparers(PREPARERS).start()
    return pool


@dataclass
class Services:
    store: Runtime
    api_keys: ApiKeys
    reads: EventReads
    replays: Replays
    audit: AuditService
    read_model: ReadModel
    notifications: Notifications
    metrics: Metrics
    intake: Intake
    identities: IdentityReads

    @classmethod
    def open(cls, settings: Settings, database_url: str | None, metrics: Metrics) -> Services:
        store = open_runtime(settings, database_url, pool_size=POOL_SIZE)
        pool = store.datastore.pool
        pool.timeout = DATABASE_WAIT_SECONDS
        sla_config = store.sla_config
        reads = EventReads(pool)
        read_model = ReadModel(store, sla_config, settings.repeat_window)
        replays = Replays(reads, read_model.component, sla_config.policy_for)
        listen_as = ConnectionParams.from_url(store.database_url).conninfo()
        services = cls(
            store=store,
            api_keys=ApiKeys(pool),
            reads=reads,
            audit=store.audit_service(),
            read_model=read_model,
            replays=replays,
            notifications=Notifications(
                make_conninfo(listen_as, options=f"-c role={settings.db_role}")
            ),
            metrics=metrics,
            intake=Intake(store.ingestor, partial(_preparers, store)),
            identities=identity_reads_of(store, reads, replays, read_model),
        )
        metrics.watch_positions(services.positions)
        return services

    def positions(self) -> tuple[int, list[dict[str, Any]]]:
        """The newest position and each projection's state, for `/metrics`."""
        projections = self.read_model.projections()
        return self.reads.last_position(), projections

    def close(self) -> None:
        self.intake.close()
        self.store.close()
