"""What every command starts from: the settings, checked; the database, with
the schema this code needs; the port to listen on, held. Each failure is a
`ConfigurationError` (or one of the errors `main` prints alone, without a
traceback)."""

from __future__ import annotations

import socket

from journey.postgres import migrate as migrations
from journey.postgres.database import require_schema
from journey.rules.sla_config import load_sla_config
from journey.runtime import Runtime, database_url, open_runtime
from journey.settings import Settings


class PortBusy(OSError):
    """The port to listen on is taken; the message says how to pick another."""


def checked_settings() -> Settings:
    """The settings, with the SLA configuration read and validated now."""
    settings = Settings.from_env()
    load_sla_config(settings.sla_config_path)
    return settings


def migrated_store(settings: Settings | None = None) -> Runtime:
    """The store, once its database is at the newest schema revision."""
    settings = settings or Settings.from_env()
    url = database_url(settings)
    require_schema(url, newest_revision())
    return open_runtime(settings, url)


def newest_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(
        migrations.alembic_config("postgresql://")
    ).get_current_head()
    assert head is not None, "migrations/ holds no revision"
    return head


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, taken now so that nothing else can."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise PortBusy(
            f"cannot listen on {host}:{port} ({error.strerror}): another demo or server "
            f"may be running there; pick another port with --port, e.g. --port {port + 1}"
        ) from None
    sock.set_inheritable(True)
    return sock
