"""Rows of the benchmark table: measured value, baseline, ratio, goal, verdict."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Goal:
    """`on` the ratio (measured / baseline) or the measured value itself."""

    on: Literal["ratio", "measured"]
    op: Literal[">=", "<="]
    limit: float
    unit: str = ""

    def met(self, measured: float, ratio: float | None) -> bool | None:
        value = ratio if self.on == "ratio" else measured
        if value is None or math.isnan(value):
            return None
        return value >= self.limit if self.op == ">=" else value <= self.limit

    def __str__(self) -> str:
        symbol = {">=": "≥", "<=": "≤"}[self.op]
        target = "ratio" if self.on == "ratio" else "value"
        return f"{target} {symbol} {self.limit:g}{self.unit}"


@dataclass(frozen=True)
class Row:
    name: str
    unit: str
    measured: float
    baseline: float | None
    baseline_name: str
    goal: Goal | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.measured / self.baseline

    @property
    def passed(self) -> bool | None:
        return self.goal.met(self.measured, self.ratio) if self.goal else None

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["goal"] = str(self.goal) if self.goal else None
        row["ratio"] = self.ratio
        row["passed"] = self.passed
        return row


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 500 samples is the 495th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def print_table(rows: Sequence[Row], console: Console) -> None:
    table = Table(title="journey benchmarks")
    for heading in ("benchmark", "measured", "baseline", "ratio", "goal", "result"):
        table.add_column(heading, justify="left" if heading == "benchmark" else "right")
    verdicts = {True: "[green]pass", False: "[red]FAIL", None: "-"}
    for row in rows:
        table.add_row(
            row.name,
            f"{_number(row.measured)} {row.unit}",
            f"{_number(row.baseline)} {row.unit}\n[dim]{row.baseline_name}"
            if row.baseline
            else "-",
            f"{row.ratio:.2f}" if row.ratio is not None else "-",
            str(row.goal) if row.goal else "reference",
            verdicts[row.passed],
        )
    console.print(table)


def write_json(path: Path, rows: Sequence[Row], context: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**context, "rows": [row.as_json() for row in rows]}
    path.write_text(json.dumps(document, indent=2) + "\n")


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"
