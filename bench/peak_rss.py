"""`python -m bench.peak_rss COMMAND...`: run COMMAND and print its peak memory in
bytes: the largest sum, sampled every 50 ms, of the proportional set size (PSS:
private pages plus a fair share of shared ones) of the command's process and all
its descendants (`journey import` runs preparer processes), then the largest
single process's resident set (high-water mark).

Linux carries a parent's high-water mark into a forked child (even across
exec), so a child spawned straight from the benchmark process would never read
below the benchmark's own size; this small launcher starts it afresh."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SAMPLE_SECONDS = 0.05


def main(command: list[str]) -> int:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak_tree = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak_tree = max(peak_tree, sum(_pss(p) for p in tree(process.pid)))
        time.sleep(SAMPLE_SECONDS)
    process.returncode = os.waitstatus_to_exitcode(status)
    print(peak_tree, usage.ru_maxrss * 1024)  # Linux reports ru_maxrss in KiB
    return process.returncode


def tree(root: int) -> list[int]:
    """`root` and its descendants now."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
