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
each customer's contacts once (`fold_customer`). Counts are summed at query
time; another window is answered from the same rows by the same fold.
Rebuild: `journey projections rebuild contacts_v1` (needed after changing the
configured window), or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from eventsourcing.persistence import Tracking
from psycopg import Cursor
from psycopg.rows import DictRow

from journey.rules.contacts import ContactMark, classify_contacts
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Rows, View

Classify = Callable[[Sequence[Fact]], list[ContactMark]]


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

    def record(
        self,
        contacts: Sequence[Fact],
        classify: Classify,
        tracking: Tracking,
    ) -> None:
        """Classify the batch's contacts with their stored neighbours, insert them with
        their flags, and update the stored contacts whose flags a late one changed."""
        with self.transaction(tracking) as curs:
            bounds: dict[str, datetime] = {}
            for f in contacts:
                bounds[f.customer_id] = min(f.occurred_at, bounds.get(f.customer_id, f.occurred_at))
            stored, stored_flags = self._neighbourhoods(curs, bounds)
            marks = [
                (customer, m)
                for customer, facts in _merged(stored, contacts).items()
                for m in classify(facts)
                if m.occurred_at >= bounds[customer]  # the contact before a bound is context
            ]
            new = {f.position for f in contacts}
            self.copy(curs, {"main": [_row(c, m) for c, m in marks if m.position in new]})
            changed = [
                (m.is_repeat, m.is_channel_switch, customer, m.position)
                for customer, m in marks
                if m.position in stored_flags
                and (m.is_repeat, m.is_channel_switch) != stored_flags[m.position]
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


def _row(customer_id: str, mark: ContactMark) -> tuple[object, ...]:
    return (
        customer_id,
        mark.position,
        mark.occurred_at,
        mark.channel,
        mark.abandoned,
        mark.is_repeat,
        mark.is_channel_switch,
    )


def _merged(stored: dict[str, list[Fact]], new: Sequence[Fact]) -> dict[str, list[Fact]]:
    merged = {customer: list(facts) for customer, facts in stored.items()}
    for fact in new:
        merged.setdefault(fact.customer_id, []).append(fact)
    return merged


class ContactsProjection(BatchProjection):
    name = "contacts_v1"
    view_class = ContactsView
    topics = (TOPIC_BY_TYPE["contact.inbound"],)

    def process_batch(self, facts: Sequence[Fact], tracking: Tracking) -> None:
        assert isinstance(self.view, ContactsView)
        contacts = [f for f in facts if f.type == "contact.inbound"]
        self.view.record(contacts, self._classify, tracking)

    def fold_customer(self, facts: Sequence[Fact]) -> Rows:
        """Each contact's row, from its mark (the fold checks the facts are one
        customer's)."""
        marks = self._classify(facts)
        return {"main": [_row(facts[0].customer_id, m) for m in marks]}

    def _classify(self, facts: Sequence[Fact]) -> list[ContactMark]:
        return classify_contacts(facts, self.context.repeat_window)
