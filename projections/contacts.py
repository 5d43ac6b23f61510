"""Repeat contacts and channel switches (SPEC 4).

Question: which inbound contacts (abandoned ones included) came within the
repeat window after another contact of the same customer, and which of those
switched channel? Per customer and per channel and UTC day.
Reads: `contact.inbound`.
How: one row per contact with its flags under the configured window
(`JOURNEY_REPEAT_WINDOW`, default 7 days). A batch inserts its contacts, then
re-classifies, per customer, everything from its earliest new contact on (with
the one contact before it) through `journey.rules.contacts.classify_contacts`: a
late contact changes its own flags and its successor's. A rebuild classifies
each customer's contacts once, through the same fold. Counts are summed at query
time; another window is answered from the same rows by the same fold.
Rebuild: `journey projections rebuild contacts_v1` (needed after changing the
configured window), or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar, NamedTuple

from psycopg import Cursor
from psycopg.rows import DictRow

from journey.rules.contacts import classify_contacts
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Rows, Step, View


class ContactRow(NamedTuple):
    """A row of the contacts table, in its columns' order."""

    customer_id: str
    position: int
    occurred_at: datetime
    channel: str | None
    abandoned: bool
    is_repeat: bool
    is_switch: bool


RowsOf = Callable[[Sequence[Fact]], list[ContactRow]]


class ContactsView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text, "
        "abandoned boolean NOT NULL, is_repeat boolean NOT NULL DEFAULT false, "
        "is_switch boolean NOT NULL DEFAULT false, PRIMARY KEY (customer_id, position))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("text", "int8", "timestamptz", "text", "bool", "bool", "bool")
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "occurred": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (occurred_at)"),
        "timeline": (
            "main",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id, occurred_at, position)",
        ),
    }

    def record_contacts(self, contacts: Sequence[Fact], rows_of: RowsOf, step: Step) -> None:
        """Fold the batch's contacts with their stored neighbours, insert them with
        their flags, and update the stored contacts whose flags a late one changed."""
        with self.transaction(step) as curs:
            bounds: dict[str, datetime] = {}
            for f in contacts:
                bounds[f.customer_id] = min(f.occurred_at, bounds.get(f.customer_id, f.occurred_at))
            stored, stored_flags = self._neighbourhoods(curs, bounds)
            rows = [
                row
                for customer, facts in _merged(stored, contacts).items()
                for row in rows_of(facts)
                if row.occurred_at >= bounds[customer]  # the contact before a bound is context
            ]
            new = {f.position for f in contacts}
            self.copy(curs, {"main": [row for row in rows if row.position in new]})
            changed = [
                (row.is_repeat, row.is_switch, row.customer_id, row.position)
                for row in rows
                if row.position in stored_flags
                and (row.is_repeat, row.is_switch) != stored_flags[row.position]
            ]
            curs.executemany(
                self.sql(
                    "UPDATE {c} SET is_repeat = %s, is_switch = %s "
                    "WHERE customer_id = %s AND position = %s",
                    c="main",
                ),
                changed,
            )

    def _neighbourhoods(
        self, curs: Cursor[DictRow], bounds: dict[str, datetime]
    ) -> tuple[dict[str, list[Fact]], dict[int, tuple[bool, bool]]]:
        """Per customer: the last stored contact before its bound and every stored
        contact from it on; and their current flags by position."""
        curs.execute(
            self.sql(
                "SELECT n.* FROM unnest(%s::text[], %s::timestamptz[]) AS b(customer_id, bound) "
                "CROSS JOIN LATERAL ((SELECT * FROM {c} WHERE customer_id = b.customer_id "
                "AND occurred_at < b.bound ORDER BY occurred_at DESC, position DESC LIMIT 1) "
                "UNION ALL (SELECT * FROM {c} WHERE customer_id = b.customer_id "
                "AND occurred_at >= b.bound)) AS n",
                c="main",
            ),
            (list(bounds), list(bounds.values())),
        )
        found: dict[str, list[Fact]] = {}
        flags: dict[int, tuple[bool, bool]] = {}
        for row in curs:
            flags[row["position"]] = (row["is_repeat"], row["is_switch"])
            found.setdefault(row["customer_id"], []).append(
                Fact(
                    position=row["position"],
                    type="contact.inbound",
                    customer_id=row["customer_id"],
                    occurred_at=row["occurred_at"],
                    channel=row["channel"],
                    data={"abandoned": row["abandoned"]},
                )
            )
        return found, flags


def _merged(stored: dict[str, list[Fact]], new: Sequence[Fact]) -> dict[str, list[Fact]]:
    merged = {customer: list(facts) for customer, facts in stored.items()}
    for fact in new:
        merged.setdefault(fact.customer_id, []).append(fact)
    return merged


class ContactsProjection(BatchProjection):
    name = "contacts_v1"
    view_class = ContactsView
    topics = (TOPIC_BY_TYPE["contact.inbound"],)

    def process_batch(self, facts: Sequence[Fact], step: Step) -> None:
        assert isinstance(self.view, ContactsView)
        self.view.record_contacts(facts, self.contact_rows, step)

    def fold(self, facts: Sequence[Fact]) -> Rows:
        return {"main": [*self.contact_rows(facts)]}

    def contact_rows(self, facts: Sequence[Fact]) -> list[ContactRow]:
        """Each contact's row, from its mark (the fold checks the facts are one
        customer's)."""
        customer_id = facts[0].customer_id
        return [
            ContactRow(
                customer_id,
                m.position,
                m.occurred_at,
                m.channel,
                m.abandoned,
                m.is_repeat,
                m.is_channel_switch,
            )
            for m in classify_contacts(facts, self.context.repeat_window)
        ]
