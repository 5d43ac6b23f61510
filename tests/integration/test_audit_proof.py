"""Proof of erasure (SPEC 7): after crypto-shredding, a dump of the whole database
holds no trace of the customer's personal text, in clear or encoded, and the
sealed copies can no longer be opened, though they could just before."""

from __future__ import annotations

import base64
import glob
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import psycopg

from journey.runtime import Runtime
from journey.stored.crypto import ERASED, open_pii
from tests.factories import event

MARKER = "Quokka-Erasure-Marker-5c1e"


def pg_dump_for(server_major: int) -> str:
    """A pg_dump at least as new as the server (pg_dump refuses older)."""
    spec = importlib.util.find_spec("pgserver")  # located, not imported (it warns on import)
    assert spec is not None and spec.origin is not None
    bundled = Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump"
    candidates = [
        shutil.which("pg_dump"),
        *glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        str(bundled),
    ]
    for candidate in filter(None, candidates):
        if not Path(candidate).exists():
            continue
        version = subprocess.run(
            [candidate, "--version"], capture_output=True, text=True, check=True
        ).stdout
        found = re.search(r"(\d+)\.", version)
        if found and int(found.group(1)) >= server_major:
            return candidate
    raise AssertionError(f"no pg_dump of version {server_major} or newer in {candidates}")


def dump(admin: psycopg.Connection[Any], database_url: str) -> bytes:
    row = admin.execute("SELECT current_setting('server_version_num')::int / 10000").fetchone()
    assert row is not None
    return subprocess.run(
        [pg_dump_for(int(str(row[0]))), "--dbname", database_url], capture_output=True, check=True
    ).stdout


def traces(text: str) -> list[bytes]:
    """The marker as it could sit in a dump: clear, base64 at each byte offset
    (only the characters every such encoding shares), and hex of all of these."""
    clear = text.encode()
    shapes = [clear]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + clear)
        shapes.append(encoded[4 if offset else 0 : -4])
    hexes = [shape.hex().encode() for shape in shapes]
    return shapes + hexes + [h.upper() for h in hexes]


def test_a_dump_after_erasure_holds_no_trace_of_the_personal_text(
    store: Runtime, admin: psycopg.Connection[Any], database_url: str
) -> None:
    store.ingestor.append(
        [
            event(id="m-1", pii={"body": f"call me, {MARKER}", "email": f"{MARKER}@example.org"}),
            event("reply.outbound", id="m-2", pii={"body": MARKER}),
        ]
    )
    audit = store.audit_service()
    sealed = {e["id"]: e for e in audit.export("cust-1")["events"]}
    assert sealed["m-2"]["pii"] == {"body": MARKER}  # readable before: the test could fail
    stored = admin.execute("SELECT state FROM journey_events WHERE event_id = 'm-2'").fetchone()
    assert stored is not None

    audit.erase("cust-1", by="dpo", reason="proof test")

    everything = dump(admin, database_url)
    assert b"journey_events" in everything and b"erasure:cust-1:1" in everything
    for trace in traces(MARKER):
        assert trace not in everything, trace
    wrapped = admin.execute(
        "SELECT wrapped_key FROM journey_keys WHERE customer_id = 'cust-1'"
    ).fetchone()
    assert wrapped == (None,)
    pii = orjson.loads(bytes(stored[0]))["pii"]
    assert open_pii(store.keys.current_key("cust-1"), "m-2", pii) == {"body": ERASED}


def test_the_trace_search_finds_an_unsealed_marker() -> None:
    leaked = ("x" + base64.b64encode(b"ab" + MARKER.encode()).decode()).encode().hex().encode()
    assert any(trace in leaked for trace in traces(MARKER))
