"""Per-customer data keys in `journey_keys`, wrapped by the master key (SPEC 7).

Writers get (and create) keys in bulk with a bounded in-process cache; the
recorder re-checks under its lock that the wrapped key is still current, so an
erasure in another process is never written past. Readers always ask the table,
so a destroyed key is never served from a cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from journey.postgres.fetch import fetch_all
from journey.stored.crypto import DataKey, new_data_key, unwrap_key, wrap_key

CURRENT_KEYS = (
    "SELECT customer_id, wrapped_key FROM journey_keys "
    "WHERE customer_id = ANY(%s) AND wrapped_key IS NOT NULL"
)  # the wrapped keys not destroyed, of the customers named


class KeyStore:
    def __init__(self, pool: ConnectionPool[Any], master_key: bytes, cache_size: int):
        self._pool = pool
        self._master = master_key
        self._cache: OrderedDict[str, DataKey] = OrderedDict()
        self._cache_size = cache_size

    def data_keys(self, customer_ids: Iterable[str]) -> dict[str, DataKey]:
        """A usable key per customer, created (or re-created after erasure) when missing."""
        wanted = set(customer_ids)
        found = {c: self._cache[c] for c in wanted if c in self._cache}
        missing = sorted(wanted - found.keys())
        if missing:
            found.update(self._load_or_create(missing))
        return found

    def forget(self, customer_ids: Iterable[str]) -> None:
        for customer_id in customer_ids:
            self._cache.pop(customer_id, None)

    def current_key(self, customer_id: str) -> bytes | None:
        """The customer's key for reading, or None when it was destroyed (or never made)."""
        return self.current_keys([customer_id]).get(customer_id)

    def current_keys(self, customer_ids: Iterable[str]) -> dict[str, bytes]:
        rows = fetch_all(self._pool, CURRENT_KEYS, (list(customer_ids),))
        return {c: unwrap_key(self._master, c, bytes(w)) for c, w in rows}

    def destroy(self, customer_id: str) -> bool:
        """Crypto-shred: drop the wrapped key. True when a key was destroyed now."""
        self.forget([customer_id])
        with self._pool.connection() as conn:
            cur = conn.execute(
                "UPDATE journey_keys SET wrapped_key = NULL, erased_at = now() "
                "WHERE customer_id = %s AND wrapped_key IS NOT NULL",
                (customer_id,),
            )
            return bool(cur.rowcount == 1)

    def _load_or_create(self, customer_ids: list[str]) -> dict[str, DataKey]:
        made = {c: new_data_key() for c in customer_ids}
        fresh = {c: wrap_key(self._master, c, key) for c, key in made.items()}
        with self._pool.connection() as conn, conn.transaction():
            # No wait for this commit's WAL flush: an append that uses these keys
            # commits later, and its flush covers this commit too. Were the keys
            # lost in a crash before that, the recorder's check under its lock
            # (`StaleDataKey`) makes the writer seal again with new ones.
            conn.execute("SET LOCAL synchronous_commit TO OFF")
            conn.execute(
                "INSERT INTO journey_keys (customer_id, wrapped_key) "
                "SELECT * FROM unnest(%b::text[], %b::bytea[]) ON CONFLICT (customer_id) DO "
                "UPDATE SET wrapped_key = EXCLUDED.wrapped_key "
                "WHERE journey_keys.wrapped_key IS NULL",
                (list(fresh), list(fresh.values())),
            )
            rows = (
                conn.cursor(row_factory=tuple_row)
                .execute(
                    "SELECT customer_id, wrapped_key FROM journey_keys WHERE customer_id = ANY(%b)",
                    (customer_ids,),
                )
                .fetchall()
            )
        loaded = {
            c: DataKey.made(made[c], fresh[c])  # ours: no need to unwrap it again
            if fresh[c] == w
            else DataKey.unwrapped(self._master, c, bytes(w))
            for c, w in rows
        }
        for customer_id, key in loaded.items():
            self._cache[customer_id] = key
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return loaded
