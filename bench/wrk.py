"""HTTP load from `wrk` (C and LuaJIT), so the clients take little of the CPU that
the server under test and PostgreSQL share. Each connection keeps its socket
alive and sends what a real client sends: a JSON body (from a template, with
every event id made unique per request), `Authorization: Bearer` and
`Content-Type: application/json`. Anything but a 200 or 201 fails the run."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Placeholders in a body template: UNIQUE becomes "<wrk thread>-<request number>"
# (so no two requests repeat an event id), SLOT a number that picks one of the
# client's customers.
UNIQUE = "@UNIQUE@"
SLOT = "@SLOT@"
TIMEOUT_SECONDS = 60

_SCRIPT = """
local threads = {}
local templates = {}
local counter = 0
first_error = nil  -- a global: `done` reads it with thread:get

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[2], "r"))
  for line in file:lines() do table.insert(templates, line) end
  file:close()
  wrk.method = "POST"
  wrk.path = "/v1/events"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
  slots = tonumber(args[3])
end

function request()
  counter = counter + 1
  local body = templates[(tid * 7 + counter) % #templates + 1]
  body = body:gsub("@UNIQUE@", tid .. "-" .. counter):gsub("@SLOT@", tostring(counter % slots))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 201 and first_error == nil then
    first_error = status .. " " .. string.sub(body, 1, 500)
  end
end

function done(summary, latency, requests)
  local failed = nil
  for _, thread in ipairs(threads) do
    failed = failed or thread:get("first_error")
  end
  local errors = summary.errors
  io.write("RESULT ")
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "bad_status": %d, "first_error": %q}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    failed or ""))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError(
            "the HTTP benchmark needs `wrk` as its load generator: `./dev bench` installs "
            "it (apt-get install wrk), or install it yourself"
        )
    return found


def post_load(
    port: int, key: str, templates: list[str], slots: int, connections: int, seconds: float
) -> Load:
    """`connections` keep-alive clients POSTing to /v1/events for `seconds`, each
    request a template (in turn) with its placeholders filled in."""
    wrk = require_wrk()
    if any("\n" in template for template in templates):
        raise ValueError("a body template must be one line")
    with tempfile.TemporaryDirectory(prefix="journey-wrk-") as folder:
        script, bodies = Path(folder) / "post.lua", Path(folder) / "bodies.txt"
        script.write_text(_SCRIPT)
        bodies.write_text("\n".join(templates) + "\n")
        command = [
            wrk,
            f"--threads={min(2, connections)}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            f"--timeout={TIMEOUT_SECONDS}s",
            f"--script={script}",
            f"http://127.0.0.1:{port}",
            "--",
            key,
            str(bodies),
            str(slots),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    if result["bad_status"] or result["socket_errors"]:
        raise RuntimeError(
            f"wrk: {result['bad_status']} answers not 200/201, {result['socket_errors']} "
            f"socket errors; first: {result['first_error']}"
        )
    return Load(
        result["requests"],
        result["duration_us"] / 1e6,
        result["p50_us"] / 1000,
        result["p99_us"] / 1000,
    )
