"""The rooms of the tree and the way their imports point: each room may import
only rooms below it (or itself), and no modules import each other in a circle.
Run by `./dev lint`. The order is the architecture (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS: list[set[str]] = [  # bottom first; rooms on one line may not import each other
    {"journey.vocabulary"},
    {"journey.stored", "journey.rules"},
    {"journey.identities"},
    {"journey.reading", "journey.ingest"},
    {"journey.brief"},
    {"journey.integrity"},
    {"journey.postgres"},
    {"journey.settings", "journey.demo"},
    {"journey.runtime"},
    {"projections"},
    {"api"},
    {"cli"},
    {"bench"},
]
RANK = {room: rank for rank, rooms in enumerate(LAYERS) for room in rooms}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    for size in (2, 1):
        if ".".join(parts[:size]) in RANK:
            return ".".join(parts[:size])
    return None


def modules() -> Iterator[tuple[str, Path]]:
    for top in ("journey", "projections", "api", "cli", "bench"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def graph() -> dict[str, set[str]]:
    known = dict(modules())
    return {name: {i for i in imports(path) if i in known} - {name} for name, path in known.items()}


def test_every_module_belongs_to_a_room() -> None:
    assert [name for name, _ in modules() if room_of(name) is None] == ["journey"]


def test_imports_point_down_only() -> None:
    upward = []
    for name, targets in graph().items():
        source = room_of(name)
        for target in targets:
            to = room_of(target)
            if source and to and to != source and RANK[to] >= RANK[source]:
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_no_module_imports_itself_in_a_circle() -> None:
    edges = graph()
    circles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for target in sorted(edges.get(node, ())):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            elif target not in done:
                walk(target, [*path, target])
        done.add(node)

    done: set[str] = set()
    for start in sorted(edges):
        if start not in done:
            walk(start, [start])
    assert circles == []
