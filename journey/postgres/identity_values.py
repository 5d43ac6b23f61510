"""The identity index's port to sealed values (SPEC 10.1): the clear `pii.value`
of identity events, opened with their customer's current data key, and the
secret the index keys identities with.

`SealedValues.values(positions)` reads the events at `positions` (their sealed
`pii` and `recorded_at`) and the customers' wrapped keys from the key table in
one transaction (never from a cache: a destroyed key is never served) and
opens each value; a value whose key was destroyed (erased, SPEC 7) is None.
It works in forked processes too (the bulk rebuild's workers): a process other
than the one that made it opens a connection of its own.

The index secret is derived from the deployment's master key, never stored:
`HMAC-SHA256(master key, "journey identity index v1")` (`IDENTITY_SECRET_LABEL`).
Another master key makes other keys: the index is then rebuilt
(`journey projections rebuild identities_v1`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

import orjson
import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row

from journey.postgres.keys import CURRENT_KEYS
from journey.postgres.reads import sealed_rows
from journey.stored.crypto import opened_pii, unwrap_key

IDENTITY_SECRET_LABEL = b"journey identity index v1"


def identity_secret(master_key: bytes) -> bytes:
    """The identity index's HMAC secret, derived from the master key."""
    return hmac.new(master_key, IDENTITY_SECRET_LABEL, hashlib.sha256).digest()


class Opened(NamedTuple):
    """An identity event's stored facts beside its opened value (None: erased)."""

    customer_id: str
    recorded_at: datetime
    value: str | None


class SealedValues:
    def __init__(self, datastore: PostgresDatastore, master_key: bytes):
        self._datastore = datastore
        self._master = master_key
        self._pid = os.getpid()
        self._own: psycopg.Connection[Any] | None = None

    def values(self, positions: Sequence[int]) -> dict[int, Opened]:
        """Each stored event among `positions` with its `pii.value` opened."""
        if not positions:
            return {}
        with self._connection() as conn, conn.transaction():
            curs = conn.cursor(row_factory=tuple_row)
            rows = sealed_rows(curs, positions)
            customers = sorted({customer for _, customer, _, _ in rows})
            wrapped = curs.execute(CURRENT_KEYS, (customers,)).fetchall()
        keys = {c: unwrap_key(self._master, c, bytes(w)) for c, w in wrapped}
        found = {}
        for position, customer_id, recorded_at, state in rows:
            body = orjson.loads(state)
            sealed = body.get("pii")
            opened = opened_pii(keys.get(customer_id), body["id"], sealed) if sealed else None
            value = None if opened is None else opened.get("value")
            found[position] = Opened(customer_id, recorded_at, value)
        return found

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if os.getpid() == self._pid:
            with self._datastore.get_connection() as conn:
                yield conn
            return
        if self._own is None or self._own.closed:
            pool = self._datastore.pool
            assert isinstance(pool.kwargs, dict) and isinstance(pool.conninfo, str)
            kwargs = {k: v for k, v in pool.kwargs.items() if k != "row_factory"}
            self._own = psycopg.connect(pool.conninfo, **kwargs)
        yield self._own
