"""With `JOURNEY_DATABASE_URL` unset, the demo and every command share the
embedded server's database; a second demo harms nothing; the embedded server
stops when the demo does."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.cli.conftest import JOURNEY, journey_env
from tests.e2e.conftest import free_port
from tests.e2e.test_demo import printed, wait_for_health


def journey(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JOURNEY, *args], env=journey_env(tmp_path), capture_output=True, text=True, timeout=60
    )


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_demo_and_the_commands_share_one_embedded_database(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "demo.out"
    command = ["demo", "--customers", "30", "--days", "3", "--no-open", "--no-trickle"]
    with output.open("wb") as sink:
        demo = subprocess.Popen(
            [JOURNEY, *command, "--port", str(port)],
            env=journey_env(tmp_path),
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        page = printed(output, "web pages", timeout=90)
        demo_key = printed(output, "API key \\(all scopes\\)")
        base, customer = re.fullmatch(r"(http://[^/]+)/journey\?customer=(\S+)", page).groups()  # type: ignore[union-attr]
        timeline = f"{base}/v1/customers/{customer}/timeline"
        wait_for_health(base, output)

        with ThreadPoolExecutor() as pool:  # four commands at once, as four terminals would
            same_port, other_port, made, status = pool.map(
                lambda args: journey(tmp_path, *args),
                [
                    [*command, "--port", str(port)],
                    [*command, "--port", str(free_port())],
                    ["keys", "create", "--name", "newcomer", "--scopes", "read"],
                    ["db", "status"],
                ],
            )

        assert same_port.returncode == 2 and "pick another port with --port" in same_port.stderr
        assert other_port.returncode == 2 and "'journey' is in use" in other_port.stderr
        assert made.returncode == 0, made.stderr
        for key in (demo_key, made.stdout.strip()):
            answer = httpx.get(timeline, headers={"Authorization": f"Bearer {key}"})
            assert answer.status_code == 200 and answer.json()["events"]
        assert "embedded server's database 'journey'" in status.stdout
        postmaster = int(re.search(r"running, pid (\d+)", status.stdout).group(1))  # type: ignore[union-attr]
    finally:
        demo.terminate()
        ended = demo.wait(timeout=30)

    assert ended == -signal.SIGTERM  # its cleanups ran, then it ended by the signal
    assert not running(postmaster)
    assert "embedded server: not running" in journey(tmp_path, "db", "status").stdout


def test_db_start_keeps_the_embedded_server_running_until_db_stop(tmp_path: Path) -> None:
    assert journey(tmp_path, "db", "start").returncode == 0
    kept = journey(tmp_path, "db", "status").stdout
    migrated = journey(tmp_path, "migrate")
    stopped = journey(tmp_path, "db", "stop")

    assert "kept running by `journey db start`" in kept
    assert migrated.returncode == 0 and "/journey" in migrated.stderr
    assert "embedded server stopped" in stopped.stdout
    assert "not running" in journey(tmp_path, "db", "status").stdout


def test_ctrl_c_of_a_server_stops_the_embedded_server_it_started(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [JOURNEY, "serve", "--port", str(port)],
        env=journey_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}")
        status = journey(tmp_path, "db", "status").stdout
        postmaster = int(re.search(r"running, pid (\d+)", status).group(1))  # type: ignore[union-attr]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    assert not running(postmaster)
