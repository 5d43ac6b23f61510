"""Garbage collection for the hot loops (the import, its preparers, a rebuild's
bulk pass): they make many short-lived objects and hardly any reference cycles,
so the collector runs rarely, and never again over the objects that existed
before (frozen: the modules' hundreds of thousands of objects, scanned at every
full collection)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

RARELY = (50_000, 20, 20)  # the default is (700, 10, 10)


def collect_rarely(threshold: tuple[int, int, int] = RARELY) -> tuple[int, int, int]:
    """Freeze what exists now and collect at `threshold`; returns the old threshold."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*threshold)
    return old


@contextmanager
def rare_collections(threshold: tuple[int, int, int] = RARELY) -> Iterator[None]:
    """`collect_rarely` for the block, then the collector as it was."""
    old = collect_rarely(threshold)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
