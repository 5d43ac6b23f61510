"""`journey identities duplicates`: the duplicate candidates (SPEC 10.4-10.5),
a page at a time, as `GET /v1/identities/duplicates` answers them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from api.render import decode_cursor, encode_cursor
from cli.context import migrated_store
from cli.customers import (
    AsOfOption,
    AtOption,
    JsonOption,
    PiiOption,
    fail,
    identity_reads,
    print_json,
    reading,
)

identities = typer.Typer(help="Identities shared by several persons (SPEC 10).")
console = Console(highlight=False, soft_wrap=True)


def _after(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = decode_cursor(cursor)
    except ValueError as error:
        fail("--cursor", str(error))
    if len(values) != 3 or not all(isinstance(v, str) for v in values):
        fail("--cursor", "not a cursor this command printed")
    return values


@identities.command()
def duplicates(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="groups per page")] = 100,
    cursor: Annotated[str | None, typer.Option(help="the next page, as printed")] = None,
    pii: PiiOption = False,
    as_of: AsOfOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """Identities held by streams of two or more persons, neither ignored nor
    shared: candidates for a merge (`journey customers merge`)."""
    after, when = _after(cursor), reading(as_of, at)
    with migrated_store() as store:
        groups, last = identity_reads(store).duplicates(when, after, limit, pii)
    next_cursor = None if last is None else encode_cursor(last)
    if as_json:
        print_json({"groups": groups, "next_cursor": next_cursor})
        return
    if not groups:
        console.print("no duplicate candidates")
    for group in groups:
        value = f"  {group['value']}" if "value" in group else ""
        console.print(f"{group['kind']:<7} {', '.join(group['persons'])}{value}", markup=False)
    if next_cursor is not None:
        console.print(f"next page: --cursor {next_cursor}", markup=False)
