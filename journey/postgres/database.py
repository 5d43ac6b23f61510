"""Where the database is: the configured server, or an embedded PostgreSQL.

With no URL configured every command (the demo too) uses the database
`journey` of the embedded PostgreSQL in the data folder (see `embedded`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import psycopg

from journey.postgres.embedded import start_embedded as start_embedded  # the tests start it too
from journey.postgres.reads import holds_events

EMBEDDED_DATABASE = "journey"
MAINTENANCE_DATABASES = frozenset({"postgres", "template0", "template1"})


class SchemaMissing(RuntimeError):
    """The database has no journey schema, or an older one, than this code needs."""


@dataclass(frozen=True)
class ConnectionParams:
    """A PostgreSQL URL split into what psycopg and the eventsourcing library take."""

    host: str
    port: str
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> ConnectionParams:
        parsed = urlparse(url)
        if parsed.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"database URL must start with postgresql://, got {parsed.scheme!r}")
        query = parse_qs(parsed.query)
        host = query.get("host", [parsed.hostname or "localhost"])[0]
        return cls(
            host=host,
            port=str(parsed.port or query.get("port", ["5432"])[0]),
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )

    def conninfo(self, dbname: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname or self.dbname,
        )

    def url(self, dbname: str | None = None) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{dbname or self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname or self.dbname}"

    def as_eventsourcing_env(self) -> dict[str, str]:
        return {
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": self.port,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_DBNAME": self.dbname,
        }


def resolve_database_url(configured: str | None, data_dir: Path) -> str:
    """The configured URL, or the embedded server's `journey` database."""
    if configured:
        return configured
    return ConnectionParams.from_url(start_embedded(data_dir)).url(EMBEDDED_DATABASE)


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    params = ConnectionParams.from_url(url)
    return ConnectionParams(params.host, params.port, params.user, "", params.dbname).url()


def schema_revision(url: str) -> str | None:
    """The database's alembic revision; None when it was never migrated."""
    with psycopg.connect(ConnectionParams.from_url(url).conninfo(), autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None


def require_schema(url: str, newest: str) -> None:
    """Raise `SchemaMissing` unless the database is at revision `newest`."""
    revision = schema_revision(url)
    if revision != newest:
        found = "no journey schema" if revision is None else f"schema revision {revision}"
        raise SchemaMissing(
            f"database {ConnectionParams.from_url(url).dbname!r} has {found} "
            f"(this version needs {newest}): run `journey migrate`"
        )


def ensure_database(url: str) -> None:
    """Create the URL's database when it does not exist yet."""
    params = ConnectionParams.from_url(url)
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (params.dbname,)
        ).fetchone()
        if not exists:
            conn.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(params.dbname))
            )


DEMO_MARK = "journey demo: generated data, made afresh by `journey demo`"


class DatabaseRefused(RuntimeError):
    """The demo will not make this database afresh; the message says why and what to do."""


def make_demo_database(url: str) -> None:
    """Drop and create the URL's database for the demo, if that loses nothing.

    Refused: a maintenance database, a database another session uses (a
    running server or demo), and one holding events that no demo made."""
    params = ConnectionParams.from_url(url)
    name = params.dbname
    other = "name another with --database NAME"
    if name in MAINTENANCE_DATABASES:
        raise DatabaseRefused(
            f"the demo does not make the server's database {name!r} afresh; {other}"
        )
    identifier = psycopg.sql.Identifier(name)
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        found = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
        if found is not None:
            if found[0] != DEMO_MARK and _holds_events(params):
                raise DatabaseRefused(
                    f"database {name!r} holds events that no demo made, and the demo "
                    f"makes its database afresh; {other}"
                )
            try:
                conn.execute(psycopg.sql.SQL("DROP DATABASE {}").format(identifier))
            except psycopg.errors.ObjectInUse:
                raise DatabaseRefused(
                    f"database {name!r} is in use (a running demo or server?): stop that "
                    f"first, or {other}"
                ) from None
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(identifier))
        mark = psycopg.sql.SQL("COMMENT ON DATABASE {} IS {}")
        conn.execute(mark.format(identifier, psycopg.sql.Literal(DEMO_MARK)))


def _holds_events(params: ConnectionParams) -> bool:
    with psycopg.connect(params.conninfo(), autocommit=True) as conn:
        return holds_events(conn)
