"""The library's PostgreSQL factory with the store's recorder: every pooled
connection acts as the application's role, and the pool's pre-ping is skipped
for an idle connection with nothing to read."""

from __future__ import annotations

import select
from typing import Any

from eventsourcing.postgres import ConnectionPool, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg import Connection

from journey.postgres.recorder import JourneyRecorder


class JourneyFactory(PostgresFactory):
    """The library's PostgreSQL factory with the store's recorder, whose every
    connection acts as the application's role (`DB_ROLE`), set before the pool opens."""

    application_recorder_class = JourneyRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        role = self.env.get("DB_ROLE")
        if role:
            kwargs = self.datastore.pool.kwargs
            assert isinstance(kwargs, dict)
            kwargs["options"] = f"-c role={role}"
        if self.datastore.pre_ping:  # the pool has no public setter for its check
            self.datastore.pool._check = _ping_if_stirred


def _ping_if_stirred(conn: Connection[Any]) -> None:
    """The pool's pre-ping, for a connection whose socket has something to read
    while it sat idle in the pool: the server closed it (a restart, a crash,
    `pg_terminate_backend`) or said why it is about to. A healthy idle connection
    has nothing to read, so its checkout skips the ping's round trip (a quarter
    of group commit's time under load)."""
    if conn.closed or _readable(conn.fileno()):
        ConnectionPool.check_connection(conn)


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
