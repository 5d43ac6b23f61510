"""Benchmarks of the store: each measures a product path and, in the same run, a
baseline of what the machine can do (a raw `COPY`, a plain read, ...), and
reports the ratio against the goal of docs/performance.md.

Run `python -m bench [--quick] [--only NAME] [--json PATH]`."""
