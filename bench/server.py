"""A real `journey serve` process (uvicorn) on a free port, for the HTTP benchmarks,
and keep-alive clients for it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.database import BenchDatabase
from bench.peak_rss import tree

START_SECONDS = 60.0


@dataclass(frozen=True)
class Served:
    port: int
    pid: int

    def peak_rss(self) -> int:
        """The server's high-water resident set so far plus its children's (its
        preparer processes), in bytes (`VmHWM`; shared pages counted in each, so
        an upper bound)."""
        return sum(_high_water(pid) for pid in tree(self.pid))


def _high_water(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:  # gone meanwhile
        pass
    return 0


@contextmanager
def served(db: BenchDatabase, *arguments: str) -> Iterator[Served]:
    """`journey serve` on a free port until the block ends."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "cli",
        "serve",
        "--port",
        str(port),
        "--no-migrate",
        *arguments,
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env={**os.environ, **db.environment}, stdout=log, stderr=log
        )
        try:
            _wait_until_healthy(port, process, log)
            yield Served(port, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def post(connection: http.client.HTTPConnection, path: str, body: bytes, key: str) -> bytes:
    """POST a JSON body; anything but 200/201 raises with the answer."""
    connection.request(
        "POST", path, body, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    answer = connection.getresponse()
    data = answer.read()
    if answer.status not in (200, 201):
        raise RuntimeError(f"POST {path}: {answer.status} {data[:500]!r}")
    return data


def get(connection: http.client.HTTPConnection, path: str, key: str) -> bytes:
    """GET a path; anything but 200 raises with the answer."""
    connection.request("GET", path, headers={"Authorization": f"Bearer {key}"})
    answer = connection.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise RuntimeError(f"GET {path}: {answer.status} {data[:500]!r}")
    return data


def _wait_until_healthy(port: int, process: subprocess.Popen[bytes], log: object) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"journey serve exited with {process.returncode}: {_tail(log)}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"journey serve gave no /health in {START_SECONDS:.0f} s: {_tail(log)}")


def _tail(log: object) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    return str(log.read()[-2000:].decode(errors="replace"))  # type: ignore[attr-defined]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
