"""The composition root of the store: database, library application, recorder,
key store and ingestion, wired once from `Settings`.

The CLI, the API and the projection workers all start here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property, partial
from multiprocessing.util import Finalize

from eventsourcing.postgres import PostgresDatastore

from journey.identities.config import IdentitiesConfig, load_config
from journey.identities.normalise import Normaliser
from journey.ingest.importer import BATCH_LINES
from journey.ingest.ingestor import Ingestor
from journey.ingest.preparers import Preparers
from journey.integrity.audit import AuditService
from journey.postgres.application import JourneyApplication, application_env
from journey.postgres.audit_rows import PostgresAuditReader
from journey.postgres.database import ConnectionParams, ensure_database, resolve_database_url
from journey.postgres.identity_values import identity_secret
from journey.postgres.keys import KeyStore
from journey.postgres.recorder import JourneyRecorder
from journey.rules.sla_config import SlaConfig
from journey.settings import Settings

KEY_CACHE = 50_000  # a data key in memory (with its AES-GCM context) takes about 2.5 kB
PREPARER_KEY_CACHE = 2 * BATCH_LINES  # a preparer needs a chunk's keys at a time


@dataclass
class Runtime:
    """The store's parts as wired for one process (was `Store`, which read as
    the event store itself): use it as a context manager to close them."""

    settings: Settings
    database_url: str
    app: JourneyApplication
    recorder: JourneyRecorder
    keys: KeyStore
    ingestor: Ingestor

    @property
    def datastore(self) -> PostgresDatastore:
        return self.recorder.datastore

    @cached_property
    def config(self) -> tuple[SlaConfig, IdentitiesConfig]:
        """The configuration file (SPEC 5.1, 10.5), read and validated once per
        store: an invalid entry is a `SlaConfigError` naming it."""
        return load_config(self.settings.sla_config_path, self.ingestor.normaliser)

    @property
    def sla_config(self) -> SlaConfig:
        """SLA policies and calendars (SPEC 5.1)."""
        return self.config[0]

    @property
    def identities_config(self) -> IdentitiesConfig:
        """Ignored identities and the shared limit (SPEC 10.5)."""
        return self.config[1]

    @cached_property
    def identity_secret(self) -> bytes:
        """The identity index's HMAC secret, derived from the master key."""
        return identity_secret(self.settings.master_key)

    def audit_service(self) -> AuditService:
        """The audit service wired to the store's database, keys and recorder."""
        return AuditService(
            PostgresAuditReader(self.datastore.pool),
            self.keys,
            self.recorder,
            self.app.mapper,
            self.sla_config.policy_for,
            self.settings.repeat_window,
        )

    def preparers(self, processes: int | None = None, niceness: int = 0) -> Preparers:
        """Preparer processes (default: one per core), each with its own store."""
        return Preparers(
            (os.cpu_count() or 1) if processes is None else processes,
            partial(_preparer_ingestor, self.settings, self.database_url),
            niceness,
        )

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def database_url(settings: Settings) -> str:
    url = resolve_database_url(settings.database_url, settings.data_dir)
    ensure_database(url)
    return url


def open_runtime(
    settings: Settings, url: str | None = None, pool_size: int = 4, key_cache: int = KEY_CACHE
) -> Runtime:
    """Connect to the (migrated) database as the application's role, with up to
    `key_cache` customers' data keys kept in memory."""
    url = url or database_url(settings)
    params = ConnectionParams.from_url(url)
    env = application_env(params.as_eventsourcing_env(), settings.db_role, pool_size)
    app = JourneyApplication(env=env)
    recorder = app.recorder
    assert isinstance(recorder, JourneyRecorder)
    keys = KeyStore(recorder.datastore.pool, settings.master_key, key_cache)
    ingestor = Ingestor(recorder, keys, normaliser=Normaliser(settings.phone_region))
    return Runtime(settings, url, app, recorder, keys, ingestor)


def _preparer_ingestor(settings: Settings, url: str) -> Ingestor:
    """A preparer process's ingestor; its store closes when the process exits."""
    store = open_runtime(settings, url, pool_size=1, key_cache=PREPARER_KEY_CACHE)
    Finalize(None, store.close, exitpriority=10)
    return store.ingestor
