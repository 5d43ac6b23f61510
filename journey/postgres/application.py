"""The eventsourcing application around the store: one stream per customer in
the events table (`journey.postgres.reads.EVENTS_TABLE`), text originator ids,
orjson states, and the store's own recorder (positions, idempotency and the
hash chain; see `journey.postgres.recorder`). Tables come from alembic, never from the library."""

from __future__ import annotations

from collections.abc import Mapping

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder

from journey.vocabulary.serialization import OrjsonTranscoder

FACTORY_TOPIC = "journey.postgres.factory:JourneyFactory"


class JourneyApplication(Application[str]):
    name = "journey"

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()


def application_env(connection: Mapping[str, str], role: str, pool_size: int = 4) -> dict[str, str]:
    """The library's settings for a database given as POSTGRES_* values."""
    return {
        "PERSISTENCE_MODULE": FACTORY_TOPIC,
        "DB_ROLE": role,
        "ORIGINATOR_ID_TYPE": "text",
        "CREATE_TABLE": "false",
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_PRE_PING": "true",
        "POSTGRES_LOCK_TIMEOUT": "10",
        **connection,
    }
