"""SQL reads of the identity index (`identities_v1`) and of the persons that
`contacts_v2` keeps: indexed reads for "now", the index rows under an
`as_of`/`at` for replays (SPEC 6). Keys only: no value in clear is read here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composable, Identifier

from journey.identities.resolution import Holding, Identity, Persons, held_identities
from projections.contacts import ContactsProjection
from projections.identities import IdentitiesProjection, IndexRow, index_fact, index_row

_NAME, _PERSONS = IdentitiesProjection.name, ContactsProjection.name
TABLES = {
    "main": Identifier(_NAME),
    "holdings": Identifier(f"{_NAME}_holdings"),
    "counts": Identifier(f"{_NAME}_counts"),
    "members": Identifier(f"{_PERSONS}_members"),
    "merges": Identifier(f"{_PERSONS}_merges"),
}
_IDENTITIES = "(kind, key) IN (SELECT * FROM unnest(%(kinds)s::text[], %(keys)s::text[]))"
_HOLDINGS = (
    "SELECT h.kind, h.key, h.customer_id, h.linked_at, h.position, m.person_id "
    "FROM {holdings} h LEFT JOIN {members} m USING (customer_id) WHERE {where} "
    "ORDER BY h.customer_id, h.kind, h.linked_at, h.position"
)
_HELD_BY = "(kind, key) IN (SELECT kind, key FROM {holdings} WHERE customer_id = ANY(%(ids)s))"
_SEVERAL = "(kind, key) IN (SELECT kind, key FROM {counts} WHERE holders >= %(n)s AND holders >= 2)"


class Holder(NamedTuple):
    """A lookup's customer now: its person and since when it holds the identity."""

    customer_id: str
    resolved_id: str
    linked_at: datetime
    position: int


class Held(NamedTuple):
    """Holdings and the persons of their streams (flattened pointers)."""

    holdings: list[Holding]
    persons: Persons


class IdentityIndex:
    def __init__(self, datastore: PostgresDatastore):
        self._datastore = datastore

    def _rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._datastore.cursor() as curs:  # one statement: no BEGIN and ROLLBACK
            curs.execute(SQL(query).format(**TABLES), params)
            return list(curs.fetchall())

    def lookup_page(self, identity: Identity, after: str, limit: int) -> list[Holder]:
        """The streams holding `identity` now, by customer id after `after`."""
        rows = self._rows(
            "SELECT h.customer_id, coalesce(m.person_id, h.customer_id) AS resolved_id, "
            "h.linked_at, h.position FROM {holdings} h LEFT JOIN {members} m USING (customer_id) "
            "WHERE h.kind = %(kind)s AND h.key = %(key)s AND h.customer_id > %(after)s "
            "ORDER BY h.customer_id LIMIT %(limit)s",
            {"kind": identity[0], "key": identity[1], "after": after, "limit": limit},
        )
        return [Holder(**row) for row in rows]

    def held_by_more_persons(self, identity: Identity, limit: int) -> bool:
        """Whether more than `limit` persons hold `identity` now: never when no
        more than `limit` streams do (the common case, one indexed row read)."""
        params = {"kind": identity[0], "key": identity[1]}
        counted = self._rows(
            "SELECT holders FROM {counts} WHERE kind = %(kind)s AND key = %(key)s", params
        )
        if not counted or counted[0]["holders"] <= limit:
            return False
        rows = self._rows(
            "SELECT count(DISTINCT coalesce(m.person_id, h.customer_id)) AS persons "
            "FROM {holdings} h LEFT JOIN {members} m USING (customer_id) "
            "WHERE h.kind = %(kind)s AND h.key = %(key)s",
            params,
        )
        return int(rows[0]["persons"]) > limit

    def sharing(self, customers: Sequence[str]) -> Held:
        """Every stream holding now one of the identities `customers` hold now,
        with its person: one statement."""
        return self._held(_HELD_BY, {"ids": list(customers)})

    def held_by_several(self, streams: int) -> Held:
        """The holdings of the identities held by at least `streams` (>= 2) streams."""
        return self._held(_SEVERAL, {"n": streams})

    def _held(self, where: str, params: dict[str, Any]) -> Held:
        with self._datastore.cursor() as curs:  # one statement: no BEGIN and ROLLBACK
            curs.execute(SQL(_HOLDINGS).format(where=SQL(where).format(**TABLES), **TABLES), params)
            rows = list(curs.fetchall())
        pointers = {r["customer_id"]: r["person_id"] for r in rows if r["person_id"] is not None}
        holdings = [
            Holding(r["kind"], r["key"], r["customer_id"], r["linked_at"], r["position"])
            for r in rows
        ]
        return Held(holdings, Persons(MappingProxyType(pointers)))

    def merge_positions(self) -> list[int]:
        """The position of every merge and unmerge (for persons at an `as_of`/`at`)."""
        return [row["position"] for row in self._rows("SELECT position FROM {merges}", {})]

    def held_at(
        self,
        as_of: datetime | None,
        at: datetime,
        identities: Sequence[Identity] | None = None,
        customers: Sequence[str] | None = None,
    ) -> list[Holding]:
        """What the streams held as the store knew it at `as_of`, at `at` (SPEC 6),
        of `identities` or by `customers` (None: every one)."""
        conditions: list[Composable] = [SQL("occurred_at <= %(at)s")]
        params: dict[str, Any] = {"at": at, "as_of": as_of}
        if as_of is not None:
            conditions.append(SQL("recorded_at <= %(as_of)s"))
        if identities is not None:
            conditions.append(SQL(_IDENTITIES))
            params |= {"kinds": [k for k, _ in identities], "keys": [k for _, k in identities]}
        if customers is not None:
            conditions.append(SQL("customer_id = ANY(%(ids)s)"))
            params["ids"] = list(customers)
        with self._datastore.transaction(commit=False) as curs:
            query = SQL("SELECT * FROM {} WHERE {}").format(
                TABLES["main"], SQL(" AND ").join(conditions)
            )
            curs.execute(query, params)
            rows: list[IndexRow] = [index_row(row) for row in curs.fetchall()]
        keys = {row.position: row.key for row in rows}
        return held_identities([index_fact(row) for row in rows], keys)
