"""Where the database is: the configured server, or an embedded PostgreSQL.

With no URL configured the product starts PostgreSQL from the `pgserver`
package in a data folder and leaves it running for the process's lifetime.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import psycopg


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


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server in `data_dir/pgdata`; return its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from pgserver.postgres_server import get_server

        server = get_server(data_dir / "pgdata", cleanup_mode=None)
    uri: str = server.get_uri()
    return uri


def resolve_database_url(configured: str | None, data_dir: Path) -> str:
    return configured or start_embedded(data_dir)


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
