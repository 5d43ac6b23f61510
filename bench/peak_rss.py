"""`python -m bench.peak_rss COMMAND...`: run COMMAND and print its peak resident
set in bytes.

Linux carries a parent's high-water mark into a forked child (even across
exec), so a child spawned straight from the benchmark process would never read
below the benchmark's own size; this small launcher starts it afresh."""

from __future__ import annotations

import os
import subprocess
import sys


def main(command: list[str]) -> int:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    print(usage.ru_maxrss * 1024)  # Linux reports KiB
    return process.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
