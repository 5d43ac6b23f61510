"""Persons and their repeat contacts (SPEC 4 over persons, SPEC 10.2-10.3).

Question: which streams are one person, and which inbound contacts (abandoned
ones included) came within the repeat window after another contact of the same
person, on any of its streams, and which of those switched channel? Per
customer and per channel and UTC day.
Reads: `contact.inbound`, `customer.merged`, `customer.unmerged`.
How: three tables. `_merges` keeps every merge and unmerge; `_members` the
person of each stream a merge ever touched (`journey.identities.Persons` over
the merges of its component: the streams joined by any merge, ever); the main
table one row per contact with its person and its flags under the configured
window (`JOURNEY_REPEAT_WINDOW`, default 7 days). A batch with merges re-resolves
their components and re-folds exactly the persons that gained or lost a stream
(cost: their contacts). Contacts re-fold their person from the earliest new
contact on (with the one before it) through
`journey.identities.persons.classify_person_contacts`. A rebuild folds each
customer's history alone (`fold`), then `loaded` joins the persons that merges
made. Counts are summed at query time; another window is answered from the
same rows by the same fold.
Rebuild: `journey projections rebuild contacts_v2` (needed after changing the
configured window), or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NamedTuple

from psycopg import Cursor
from psycopg.rows import DictRow

from journey.identities.persons import classify_person_contacts
from journey.identities.resolution import MERGE_TYPES, MERGED, UNMERGED, Persons
from journey.rules.contacts import DEFAULT_WINDOW
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Context, Rows, Step, View

CONTACT = "contact.inbound"
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)  # a bound before every contact: the whole person


class ContactRow(NamedTuple):
    """A row of the contacts table, in its columns' order."""

    customer_id: str
    position: int
    occurred_at: datetime
    channel: str | None
    abandoned: bool
    is_repeat: bool
    is_switch: bool
    person_id: str


class MergeRow(NamedTuple):
    position: int
    customer_id: str
    into: str | None  # None: an unmerge
    occurred_at: datetime


class ContactsView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text, "
        "abandoned boolean NOT NULL, is_repeat boolean NOT NULL DEFAULT false, "
        "is_switch boolean NOT NULL DEFAULT false, person_id text NOT NULL, "
        "PRIMARY KEY (customer_id, position))",
        "merges": "CREATE TABLE IF NOT EXISTS {table} (position bigint PRIMARY KEY, "
        "customer_id text NOT NULL, into_id text, occurred_at timestamptz NOT NULL)",
        "members": "CREATE TABLE IF NOT EXISTS {table} (customer_id text PRIMARY KEY, "
        "person_id text NOT NULL)",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("text", "int8", "timestamptz", "text", "bool", "bool", "bool", "text"),
        "merges": ("int8", "text", "text", "timestamptz"),
        "members": ("text", "text"),
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "occurred": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (occurred_at)"),
        "person": (
            "main",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (person_id, occurred_at, position)",
        ),
        "merges_customer": (
            "merges",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id)",
        ),
        "merges_into": ("merges", "CREATE INDEX IF NOT EXISTS {index} ON {table} (into_id)"),
        "members_person": ("members", "CREATE INDEX IF NOT EXISTS {index} ON {table} (person_id)"),
    }

    window = DEFAULT_WINDOW  # the configured one, set by the projection

    def record_batch(self, facts: Sequence[Fact], step: Step) -> None:
        """Merges first (the persons they make), then the batch's contacts; then
        re-fold every person that changed or gained a contact."""
        with self.transaction(step) as curs:
            merges = [f for f in facts if f.type in MERGE_TYPES]
            self.copy(curs, {"merges": [merge_row(f) for f in merges]})
            moved = self.resolve_components(curs, _named(merges)) if merges else set()
            contacts = [f for f in facts if f.type == CONTACT]
            person_of = self.persons_of(curs, {f.customer_id for f in contacts})
            bounds = dict.fromkeys(moved, EARLIEST)
            for f in contacts:
                person = person_of[f.customer_id]
                bounds[person] = min(f.occurred_at, bounds.get(person, f.occurred_at))
            self.refold(curs, bounds, contacts, person_of)

    def resolve_components(self, curs: Cursor[DictRow], seeds: Collection[str]) -> set[str]:
        """Re-resolve every stream joined to `seeds` by any merge; move the streams
        whose person changed. Answers the persons that gained or lost a stream."""
        curs.execute(
            self.sql(
                "WITH RECURSIVE c(id) AS (SELECT unnest(%s::text[]) UNION "
                "SELECT CASE WHEN m.customer_id = c.id THEN m.into_id ELSE m.customer_id END "
                "FROM {m} m JOIN c ON m.customer_id = c.id OR m.into_id = c.id "
                "WHERE m.into_id IS NOT NULL) SELECT id FROM c",
                m="merges",
            ),
            (list(seeds),),
        )
        component = sorted(row["id"] for row in curs.fetchall())
        curs.execute(
            self.sql("SELECT * FROM {m} WHERE customer_id = ANY(%s)", m="merges"), (component,)
        )
        persons = Persons.from_facts(merge_fact(row) for row in curs.fetchall())
        before = self.persons_of(curs, component)
        after = {customer: persons.resolve(customer) for customer in component}
        changed = [c for c in component if before[c] != after[c]]
        curs.execute(
            self.sql("DELETE FROM {m} WHERE customer_id = ANY(%s)", m="members"), (component,)
        )
        self.copy(curs, {"members": [(c, p) for c, p in after.items() if c != p]})
        curs.executemany(
            self.sql("UPDATE {c} SET person_id = %s WHERE customer_id = %s", c="main"),
            [(after[c], c) for c in changed],
        )
        return {before[c] for c in changed} | {after[c] for c in changed}

    def persons_of(self, curs: Cursor[DictRow], customers: Iterable[str]) -> dict[str, str]:
        """Each customer's person now: its member row, or itself."""
        wanted = list(customers)
        curs.execute(
            self.sql(
                "SELECT customer_id, person_id FROM {m} WHERE customer_id = ANY(%s)", m="members"
            ),
            (wanted,),
        )
        found = {row["customer_id"]: row["person_id"] for row in curs.fetchall()}
        return {customer: found.get(customer, customer) for customer in wanted}

    def refold(
        self,
        curs: Cursor[DictRow],
        bounds: dict[str, datetime],
        new: Sequence[Fact],
        person_of: dict[str, str],
    ) -> None:
        """Fold each person's contacts from its bound on (with the one before it)
        and the new ones; insert the new rows, update the flags that changed."""
        if not bounds:
            return
        stored, flags = self._neighbourhoods(curs, bounds)
        for fact in new:
            stored.setdefault(person_of[fact.customer_id], []).append(fact)
        rows = [
            row
            for person, facts in stored.items()
            for row in contact_rows(facts, person, self.window)
            if row.occurred_at >= bounds[person]
        ]
        self.copy(curs, {"main": [row for row in rows if row.position not in flags]})
        curs.executemany(
            self.sql(
                "UPDATE {c} SET is_repeat = %s, is_switch = %s "
                "WHERE customer_id = %s AND position = %s",
                c="main",
            ),
            [
                (row.is_repeat, row.is_switch, row.customer_id, row.position)
                for row in rows
                if row.position in flags and (row.is_repeat, row.is_switch) != flags[row.position]
            ],
        )

    def _neighbourhoods(
        self, curs: Cursor[DictRow], bounds: dict[str, datetime]
    ) -> tuple[dict[str, list[Fact]], dict[int, tuple[bool, bool]]]:
        """Per person: the last stored contact before its bound and every stored
        contact from it on; and their current flags by position."""
        curs.execute(
            self.sql(
                "SELECT n.* FROM unnest(%s::text[], %s::timestamptz[]) AS b(person_id, bound) "
                "CROSS JOIN LATERAL ((SELECT * FROM {c} WHERE person_id = b.person_id "
                "AND occurred_at < b.bound "
                "ORDER BY occurred_at DESC, position DESC LIMIT 1) "
                "UNION ALL (SELECT * FROM {c} WHERE person_id = b.person_id "
                "AND occurred_at >= b.bound)) AS n",
                c="main",
            ),
            (list(bounds), list(bounds.values())),
        )
        found: dict[str, list[Fact]] = {person: [] for person in bounds}
        flags: dict[int, tuple[bool, bool]] = {}
        for row in curs:
            flags[row["position"]] = (row["is_repeat"], row["is_switch"])
            found[row["person_id"]].append(contact_fact(row))
        return found, flags

    def loaded(self, curs: Cursor[DictRow], head: int) -> None:
        """After a rebuild's bulk pass (each customer folded alone): resolve every
        merged stream and re-fold the persons that merges joined."""
        curs.execute(self.sql("SELECT DISTINCT customer_id FROM {m}", m="merges"))
        seeds = [row["customer_id"] for row in curs.fetchall()]
        if seeds:
            moved = self.resolve_components(curs, seeds)
            self.refold(curs, dict.fromkeys(moved, EARLIEST), [], {})


def contact_rows(facts: Sequence[Fact], person: str, window: timedelta) -> list[ContactRow]:
    """Each contact's row, classified across the person's streams."""
    return [
        ContactRow(
            c.customer_id,
            c.mark.position,
            c.mark.occurred_at,
            c.mark.channel,
            c.mark.abandoned,
            c.mark.is_repeat,
            c.mark.is_channel_switch,
            person,
        )
        for c in classify_person_contacts(facts, window)
    ]


def merge_row(fact: Fact) -> MergeRow:
    into = fact.data["into"] if fact.type == MERGED else None
    return MergeRow(fact.position, fact.customer_id, into, fact.occurred_at)


def merge_fact(row: dict[str, Any]) -> Fact:
    """A stored merge row as the fact it came from."""
    into = row["into_id"]
    kind, data = (MERGED, {"into": into}) if into is not None else (UNMERGED, {})
    return Fact(row["position"], kind, row["customer_id"], row["occurred_at"], data=data)


def contact_fact(row: dict[str, Any]) -> Fact:
    return Fact(
        position=row["position"],
        type=CONTACT,
        customer_id=row["customer_id"],
        occurred_at=row["occurred_at"],
        channel=row["channel"],
        data={"abandoned": row["abandoned"]},
    )


def _named(merges: Iterable[Fact]) -> set[str]:
    """The streams merges name: their own and their `into`."""
    return {f.customer_id for f in merges} | {f.data["into"] for f in merges if f.type == MERGED}


class ContactsProjection(BatchProjection):
    name = "contacts_v2"
    view_class = ContactsView
    topics = tuple(TOPIC_BY_TYPE[t] for t in (CONTACT, MERGED, UNMERGED))

    def __init__(self, view: View, context: Context):
        super().__init__(view, context)
        assert isinstance(view, ContactsView)
        view.window = context.repeat_window

    def process_batch(self, facts: Sequence[Fact], step: Step) -> None:
        assert isinstance(self.view, ContactsView)
        self.view.record_batch(facts, step)

    def fold(self, facts: Sequence[Fact]) -> Rows:
        """One customer's whole history, as if it were its own person (`loaded`
        joins the persons merges make)."""
        contacts = [f for f in facts if f.type == CONTACT]
        return {
            "main": [*contact_rows(contacts, facts[0].customer_id, self.context.repeat_window)],
            "merges": [merge_row(f) for f in facts if f.type in MERGE_TYPES],
        }
