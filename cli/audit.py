"""`journey verify`, `journey erase`, `journey export`: the auditor's and the data
protection officer's commands (SPEC 7 and 9)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn

from cli.context import migrated_store
from journey.integrity.audit import AuditService, UnknownCustomer
from journey.integrity.verification import Head, VerifyReport

console = Console(stderr=True)
CustomerOption = Annotated[str, typer.Option("--customer", help="the customer id")]


def verify(
    customer: Annotated[
        str | None, typer.Option("--customer", help="verify only this customer's stream")
    ] = None,
    heads: Annotated[
        Path | None,
        typer.Option(
            "--heads",
            exists=True,
            dir_okay=False,
            help="published chain heads (JSON Lines) that must still be stored",
        ),
    ] = None,
    write_heads: Annotated[
        Path | None,
        typer.Option(
            "--write-heads",
            dir_okay=False,
            help="write the verified chain heads here (JSON Lines), if all is sound",
        ),
    ] = None,
) -> None:
    """Check the hash chains and the global position sequence; exit 1 on damage,
    2 when there is nothing to check (an unknown customer)."""
    partial = write_heads.with_name(write_heads.name + ".partial") if write_heads else None
    heads_file = partial.open("wb") if partial is not None else nullcontext()
    with migrated_store() as store, heads_file as heads_out:
        service = store.audit_service()
        if customer is None:
            report = _verify_store(service, heads_out)
        else:
            report, head = service.check_customer(customer)
            if heads_out is not None and head is not None:
                heads_out.write(_head_line(head))
        if heads is not None:
            report.include(service.check_heads(_read_heads(heads, customer)))
    if customer is not None and report.events == 0 and report.ok:
        if partial is not None:
            partial.unlink()
        console.print(f"[red]no events are stored for customer {customer!r}[/]; nothing to verify")
        raise typer.Exit(2)
    _print_report(report, customer)
    if partial is not None and write_heads is not None:
        if report.ok:
            partial.replace(write_heads)
            console.print(f"chain heads written to {write_heads}")
        else:
            partial.unlink()
    raise typer.Exit(0 if report.ok else 1)


def erase(
    customer: CustomerOption,
    by: Annotated[str, typer.Option("--by", help="who erases (recorded in the erasure event)")],
    reason: Annotated[
        str, typer.Option("--reason", help="why (recorded; no personal data here)")
    ] = "data subject's request",
) -> None:
    """Crypto-shred a customer's personal data: destroy the key, record the erasure."""
    with migrated_store() as store:
        try:
            result = store.audit_service().erase(customer, by, reason)
        except UnknownCustomer:
            console.print(f"[red]no events are stored for customer {customer!r}")
            raise typer.Exit(1) from None
    if result.erased_now:
        console.print(
            f"[green]erased[/]: key destroyed; erasure event {result.event_id} "
            f"at position {result.position}",
            highlight=False,
        )
    else:
        console.print(
            f"already erased by {result.event_id} at position {result.position}; nothing changed",
            highlight=False,
        )


def export(customer: CustomerOption) -> None:
    """Print everything stored about a customer as one JSON document (right of access)."""
    with migrated_store() as store:
        try:
            document = store.audit_service().export(customer)
        except UnknownCustomer:
            console.print(f"[red]no events are stored for customer {customer!r}")
            raise typer.Exit(1) from None
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


class _ProgressWatcher:
    def __init__(self, progress: Progress, heads_out: IO[bytes] | None):
        self._progress = progress
        self._task: TaskID | None = None
        self._heads_out = heads_out

    def started(self, last_position: int) -> None:
        self._task = self._progress.add_task("verifying", total=last_position)

    def verified(self, head: Head, events_done: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=events_done)
        if self._heads_out is not None:
            self._heads_out.write(_head_line(head))


def _verify_store(service: AuditService, heads_out: IO[bytes] | None) -> VerifyReport:
    with Progress(
        *Progress.get_default_columns()[:-2],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        return service.verify_store(_ProgressWatcher(progress, heads_out))


def _read_heads(path: Path, customer: str | None) -> Iterator[Head]:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                head = _parse_head(line)
            except (ValueError, KeyError, TypeError) as error:
                console.print(f"[red]{path}: line {number}: not a chain head: {error}")
                raise typer.Exit(2) from None
            if customer is None or head.customer_id == customer:
                yield head


def _head_line(head: Head) -> bytes:
    return (
        orjson.dumps(
            {
                "customer_id": head.customer_id,
                "version": head.version,
                "position": head.position,
                "chain_hash": head.chain_hash.hex(),
            }
        )
        + b"\n"
    )


def _parse_head(line: bytes) -> Head:
    raw = orjson.loads(line)
    return Head(
        str(raw["customer_id"]),
        int(raw["version"]),
        int(raw["position"]),
        bytes.fromhex(raw["chain_hash"]),
    )


def _print_report(report: VerifyReport, customer: str | None) -> None:
    scope = f"customer {customer!r}" if customer else f"{report.streams} streams"
    if report.ok:
        console.print(f"[green]intact[/]: {report.events} events in {scope}", highlight=False)
        return
    console.print(
        f"[red]DAMAGED[/]: {report.damaged} problems in {scope}; "
        f"first bad position {report.first_bad_position}",
        highlight=False,
    )
    for problem in sorted(report.problems, key=lambda p: p.position):
        who = f" (customer {problem.customer_id})" if problem.customer_id else ""
        console.print(
            f"  position {problem.position}{who}: {problem.reason}", markup=False, highlight=False
        )
    if report.damaged > len(report.problems):
        console.print(f"  ... and {report.damaged - len(report.problems)} more")
