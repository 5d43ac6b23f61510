"""`journey customers show|merge|unmerge`: a customer's person (SPEC 10.4) and
the explicit, reversible merges that join streams into one (SPEC 10.2).

`show` answers what `GET /v1/customers/{id}` answers, from the same reads
(projections.identity_reads); merges go through the ingestion path as any
event does."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console

from cli.context import migrated_store
from journey.ingest.ingestor import BatchRejected
from journey.postgres.reads import EventReads
from journey.reading.replay import Replays
from journey.runtime import Runtime
from projections.identity_reads import IdentityReads, Reading, identity_reads_of
from projections.queries import ReadModel
from projections.registry import PROJECTIONS, build, context_for
from projections.runner import Runner

customers = typer.Typer(help="A customer's person; merges and unmerges (SPEC 10).")
console = Console(highlight=False, soft_wrap=True)
# The fields of a merge event, as the command line names them.
OPTION_OF = {"customer_id": "CUSTOMER_ID", "data.into": "--into"}

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="as the store knew it then (RFC 3339)")
]
AtOption = Annotated[str | None, typer.Option("--at", help="as things stood then (RFC 3339)")]
PiiOption = Annotated[bool, typer.Option("--pii", help="show the identities' values")]
JsonOption = Annotated[bool, typer.Option("--json", help="print the answer as JSON")]


def fail(field: str, message: str) -> NoReturn:
    """A one-line error naming the field, exit status 2."""
    print(f"journey: {field}: {message}", file=sys.stderr)
    raise typer.Exit(2)


def instant(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(option, f"not an RFC 3339 instant: {value!r}")
    if parsed.tzinfo is None:
        fail(option, f"needs a time zone (e.g. Z): {value!r}")
    return parsed


def reading(as_of: str | None, at: str | None) -> Reading:
    return Reading(instant("--as-of", as_of), instant("--at", at))


def identity_reads(store: Runtime) -> IdentityReads:
    """The API's identity reads, over projections first brought up to the newest
    event (safe beside running workers: a batch is applied by exactly one)."""
    context = context_for(store)
    for projection_class in PROJECTIONS:
        Runner(store.recorder, build(projection_class, store.datastore, context)).catch_up()
    reads = EventReads(store.datastore.pool)
    model = ReadModel(store, store.sla_config, store.settings.repeat_window)
    replays = Replays(reads, model.component, store.sla_config.policy_for)
    return identity_reads_of(store, reads, replays, model)


def print_json(document: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


@customers.command()
def show(
    customer_id: Annotated[str, typer.Argument(help="the customer id")],
    pii: PiiOption = False,
    as_of: AsOfOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """The customer's person: its streams, the identities they hold and the other
    persons sharing one (duplicate candidates)."""
    when = reading(as_of, at)
    with migrated_store() as store:
        document = identity_reads(store).customer(customer_id, when, pii)
    if document is None:
        fail("CUSTOMER_ID", f"no stream of the person of {customer_id!r} has events")
    if as_json:
        print_json(document)
        return
    console.print(f"customer     {document['customer_id']}")
    console.print(f"person       {document['resolved_id']}")
    console.print(f"streams      {', '.join(document['merged_ids'])}")
    console.print(f"duplicates   {', '.join(document['duplicates']) or 'none'}")
    console.print(f"identities   {len(document['identities'])}")
    for entry in document["identities"]:
        value = f"  {entry['value']}" if "value" in entry else ""
        shared = "  (shared)" if entry["shared"] else ""
        linked = entry["linked_at"].strftime("%Y-%m-%d %H:%M:%S UTC")
        console.print(
            f"  {entry['kind']:<7} {entry['customer_id']}  linked {linked}{shared}{value}",
            markup=False,
        )


@customers.command()
def merge(
    customer_id: Annotated[str, typer.Argument(help="the customer whose stream joins")],
    into: Annotated[str, typer.Option("--into", help="the customer it joins")],
) -> None:
    """Record that CUSTOMER_ID is the same person as --into (customer.merged)."""
    _append(customer_id, "customer.merged", "merge", {"into": into})


@customers.command()
def unmerge(
    customer_id: Annotated[str, typer.Argument(help="the customer whose merge is undone")],
) -> None:
    """Undo CUSTOMER_ID's merge: its stream is a person of its own again (customer.unmerged)."""
    _append(customer_id, "customer.unmerged", "unmerge", {})


def _append(customer_id: str, kind: str, prefix: str, data: dict[str, str]) -> None:
    event = {
        "id": f"{prefix}:{uuid.uuid4()}",
        "type": kind,
        "customer_id": customer_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": data,
    }
    with migrated_store() as store:
        try:
            [result] = store.ingestor.append([event])
        except BatchRejected as rejected:
            first = rejected.violations[0]
            fail(OPTION_OF.get(first.field, first.field), first.message)
    console.print(f"{kind} {result.id} at position {result.position}", markup=False)
