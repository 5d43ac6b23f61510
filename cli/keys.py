"""`journey keys create`: a new API key, printed once; only its hash is stored."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from api.keys import SCOPES, ApiKeys, parse_scopes
from cli.context import migrated_store

keys = typer.Typer(help="API keys (SPEC 8).", no_args_is_help=True)
console = Console(stderr=True)


@keys.command()
def create(
    name: Annotated[str, typer.Option(help="who or what the key is for")],
    scopes: Annotated[str, typer.Option(help=f"comma-separated, of: {', '.join(SCOPES)}")],
) -> None:
    """Print a new API key (shown only now; only its hash is stored)."""
    try:
        chosen = parse_scopes(scopes)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--scopes") from None
    with migrated_store() as store:
        key = ApiKeys(store.datastore.pool).create(name, chosen)
    console.print(
        f"key for {name!r} with scopes {', '.join(chosen)} (store it now; it is not shown again):"
    )
    print(key)
