"""`./dev` installs system packages only for the commands that need them, and
only as root: the demo and the `journey` commands work for any user."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """`apt-get` that records its calls, and `id` that says which user runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/apt-get.calls\n')
    (bin_dir / "id").write_text('#!/bin/sh\necho "$FAKE_UID"\n')
    for tool in ("apt-get", "id"):
        (bin_dir / tool).chmod(0o755)
    return bin_dir


def dev(fake_bin: Path, uid: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{fake_bin}:{os.environ['PATH']}",
        "FAKE_UID": str(uid),
        "CHROMIUM": "/nonexistent/chromium",
        "WRK": "wrk-not-installed",
    }
    return subprocess.run(
        [str(ROOT / "dev"), *args], env=env, capture_output=True, text=True, timeout=60
    )


def apt_calls(fake_bin: Path) -> list[str]:
    calls = fake_bin.parent / "apt-get.calls"
    return calls.read_text().splitlines() if calls.exists() else []


def test_journey_commands_install_nothing_even_with_the_tools_missing(fake_bin: Path) -> None:
    ran = dev(fake_bin, 1000, "journey", "--help")

    assert ran.returncode == 0, ran.stderr
    assert "demo" in ran.stdout
    assert apt_calls(fake_bin) == []


def test_the_benchmark_names_a_missing_tool_to_a_user_who_cannot_install_it(
    fake_bin: Path,
) -> None:
    ran = dev(fake_bin, 1000, "bench", "--help")

    assert ran.returncode == 0, ran.stderr
    assert "wrk-not-installed is missing; install the wrk package" in ran.stderr
    assert apt_calls(fake_bin) == []


def test_the_benchmark_installs_its_missing_tool_as_root(fake_bin: Path) -> None:
    ran = dev(fake_bin, 0, "bench", "--help")

    assert ran.returncode == 0, ran.stderr
    assert apt_calls(fake_bin) == ["update -qq", "install -y -qq wrk"]
