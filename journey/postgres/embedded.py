"""The embedded PostgreSQL (the `pgserver` package) in a data folder.

It runs while a `journey` process uses it: each process that joins it writes
its pid in `users.json` beside the server's data, and the last one to leave
stops it (a pid whose process is gone does not count). `journey db start`
keeps it running after it exits, until `journey db stop`.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

FOLDER = "pgdata"
STOP_SECONDS = 15.0
_joined: set[Path] = set()  # data folders this process uses


@dataclass(frozen=True)
class EmbeddedState:
    pgdata: Path
    pid: int | None  # the postmaster's; None: not running
    url: str | None  # the server's URL (its `postgres` database) while running
    users: tuple[int, ...]  # live processes using it
    kept: bool  # kept running by `journey db start`


def pgdata(data_dir: Path) -> Path:
    return data_dir / FOLDER


def start_embedded(data_dir: Path, keep: bool = False) -> str:
    """Start (or join) the embedded server in `data_dir/pgdata`; its URL. The
    server stops when the last process using it exits, unless `keep`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with _locked(data_dir):
        _import_pgserver()
        from pgserver.postgres_server import get_server

        server = get_server(pgdata(data_dir), cleanup_mode=None)
        if keep:
            _keep_file(data_dir).touch()
        elif data_dir not in _joined:
            _joined.add(data_dir)
            _write_users(data_dir, (*_live_users(data_dir), os.getpid()))
            atexit.register(leave_embedded, data_dir)
    uri: str = server.get_uri()
    return uri


def leave_embedded(data_dir: Path) -> None:
    """This process no longer uses the server; stop it if no one else does."""
    _joined.discard(data_dir)
    with _locked(data_dir):
        others = tuple(p for p in _live_users(data_dir) if p != os.getpid())
        _write_users(data_dir, others)
        if not others and not _keep_file(data_dir).exists():
            _stop(data_dir)


def embedded_state(data_dir: Path) -> EmbeddedState:
    """What the server in `data_dir` is doing, without starting it."""
    with _locked(data_dir):
        info = _postmaster(data_dir)
        return EmbeddedState(
            pgdata(data_dir),
            info.pid if info is not None else None,
            info.url if info is not None else None,
            _live_users(data_dir) if info is not None else (),
            _keep_file(data_dir).exists(),
        )


def stop_embedded(data_dir: Path) -> bool:
    """Stop the server (whoever uses it); False when it was not running."""
    with _locked(data_dir):
        _keep_file(data_dir).unlink(missing_ok=True)
        _write_users(data_dir, ())
        return _stop(data_dir)


def _stop(data_dir: Path) -> bool:
    info = _postmaster(data_dir)
    if info is None:
        return False
    os.kill(info.pid, signal.SIGINT)  # a fast shutdown: sessions are ended, data is safe
    deadline = time.monotonic() + STOP_SECONDS
    while _alive(info.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _import_pgserver() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver  # noqa: F401


def _postmaster(data_dir: Path) -> _Running | None:
    _import_pgserver()
    from pgserver.utils import PostmasterInfo

    with suppress(FileNotFoundError):
        info = PostmasterInfo.read_from_pgdata(pgdata(data_dir))
        if info is not None and info.is_running():
            return _Running(info.pid, info.get_uri())
    return None


@dataclass(frozen=True)
class _Running:
    pid: int
    url: str


def _live_users(data_dir: Path) -> tuple[int, ...]:
    try:
        pids = json.loads(_users_file(data_dir).read_text())
    except (FileNotFoundError, ValueError):
        return ()
    return tuple(p for p in pids if isinstance(p, int) and _alive(p))


def _write_users(data_dir: Path, pids: tuple[int, ...]) -> None:
    _users_file(data_dir).write_text(json.dumps(list(pids)))


def _users_file(data_dir: Path) -> Path:
    return data_dir / "embedded-users.json"


def _keep_file(data_dir: Path) -> Path:
    return data_dir / "embedded-keep-running"


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "embedded.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
