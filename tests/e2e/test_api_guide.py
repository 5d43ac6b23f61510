"""docs/api.md runs as written: every `curl` of its shell blocks, in order, in
one bash, with real curl, against `journey demo` (the guide's `localhost:8000`
pointed at the demo's port, its `KEY=` line given the key the demo printed);
each answers the status written after it (`# -> 200`)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import printed, running_demo, wait_for_health

GUIDE = Path(__file__).parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
STATUS = re.compile(r"^# -> (\d{3})$")
ASSIGNMENT = re.compile(r"^[A-Z_]+=")
GUIDE_SERVER = "localhost:8000"
CURL = "curl -s -o /dev/null -w '%{http_code}\\n' --max-time 5 "  # the stream is cut after 5 s


@dataclass(frozen=True)
class Example:
    command: str
    status: int


def guide_steps(text: str) -> list[str | Example]:
    """The guide's shell lines in order: assignments as they are, each `curl` with
    the status after it; `journey` commands (the keys section) left out."""
    steps: list[str | Example] = []
    for block in BLOCK.findall(text):
        for command in _commands(block):
            status = STATUS.match(command)
            if status:
                last = steps[-1] if steps else None
                assert isinstance(last, str) and last.startswith("curl "), command
                steps[-1] = Example(last, int(status.group(1)))
            elif command.startswith("curl ") or ASSIGNMENT.match(command):
                steps.append(command)
            else:
                assert command.startswith(("#", "journey ")), f"what runs this? {command!r}"
    return steps


def _commands(block: str) -> list[str]:
    """Lines joined into commands: across a trailing `\\` or an open quote."""
    commands, pending = [], ""
    for line in block.splitlines():
        pending += line + "\n"
        if not pending.rstrip("\n").endswith("\\") and _quotes_closed(pending):
            commands.append(pending.strip())
            pending = ""
    assert not pending, f"unfinished command: {pending!r}"
    return commands


def _quotes_closed(command: str) -> bool:
    try:
        shlex.split(command, comments=True)
    except ValueError:  # "No closing quotation"
        return False
    return True


def script(steps: list[str | Example], key: str, server: str) -> str:
    lines = ["set -u"]
    for step in steps:
        if isinstance(step, Example):
            lines.append(CURL + step.command.removeprefix("curl "))
        elif step.startswith("KEY="):
            lines.append(f"KEY='{key}'")
        else:
            lines.append(step)
    return "\n".join(lines).replace(GUIDE_SERVER, server) + "\n"


def test_every_example_of_the_api_guide_answers_its_documented_status_on_the_demo(
    server_url: str, tmp_path: Path
) -> None:
    assert shutil.which("curl") and shutil.which("jq"), "the guide's examples use curl and jq"
    steps = guide_steps(GUIDE.read_text())
    examples = [step for step in steps if isinstance(step, Example)]
    assert not [s for s in steps if isinstance(s, str) and s.startswith("curl ")], (
        "every example states its status"
    )
    assert len(examples) >= 20
    with running_demo(server_url, tmp_path, "--customers", "200") as output:
        key = printed(output, "API key \\(all scopes\\)")
        page = printed(output, "web pages")
        server = re.sub(r"^http://([^/]+)/.*$", r"\1", page)
        wait_for_health(f"http://{server}")

        ran = subprocess.run(
            ["bash", "-c", script(steps, key, server)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    answered = ran.stdout.split()
    assert ran.stderr == ""
    assert [(e.command, int(a)) for e, a in zip(examples, answered, strict=True)] == [
        (e.command, e.status) for e in examples
    ]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("curl a\n# -> 200\n", [Example("curl a", 200)]),
        (
            "X=1\ncurl -d '{\n  1}' \\\n  -H b\n# -> 201\n",
            ["X=1", Example("curl -d '{\n  1}' \\\n  -H b", 201)],
        ),
        ("journey keys create\ncurl b\n", ["curl b"]),
    ],
)
def test_the_guide_is_read_into_commands_and_their_statuses(
    block: str, expected: list[str | Example]
) -> None:
    assert guide_steps(f"```sh\n{block}```\n") == expected
