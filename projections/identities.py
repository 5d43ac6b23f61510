"""The identity index (SPEC 10.1, 10.4-10.5): which streams hold an identity.

Question: which streams hold this phone number, e-mail address, handle or
device, now or at an `as_of`/`at`; which identities do a person's streams hold;
which are held by several persons?
Reads: `identity.linked`, `identity.unlinked`, `personal_data.erased`.
How: no value in clear. Each identity event's `pii.value` is opened through
the context's `sealed_values` port (with its customer's current data key),
normalised and keyed (`identity_key`: an HMAC under a secret derived from the
master key, never stored), and only the key is kept. Three tables:
- the main table, a row per identity event (position, customer_id, kind, key,
  occurred_at, recorded_at, linked): what `as_of`/`at` readings fold
  (`journey.identities.resolution.held_identities`);
- `_holdings`, what each stream holds now (kind, key, customer_id, linked_at,
  position): a batch re-folds the holdings of the streams it touched from
  their rows, so late events land where they occurred;
- `_counts`, how many streams hold each identity now: duplicates and shared
  identities are looked for among those held by two or more only.
`personal_data.erased` deletes every row of its customer (SPEC 10.1: an erased
identity is found nowhere). A rebuild cannot bring them back: the destroyed key
opens none of those values, so those events are skipped.
Rebuild: `journey projections rebuild identities_v1` (also needed after
changing the master key or `JOURNEY_PHONE_REGION`), or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from psycopg import Cursor
from psycopg.rows import DictRow

from journey.identities.normalise import IdentityError, Normaliser, identity_key
from journey.identities.resolution import IDENTITY_TYPES, LINKED, UNLINKED, held_identities
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE, PersonalDataErased
from projections.base import BatchProjection, Rows, Step, View

ERASED = PersonalDataErased.type_name


@dataclass(frozen=True)
class IdentityKeys:
    """An identity's key (`identity_key` of its normalised form) from its clear
    value; None when it does not normalise."""

    normaliser: Normaliser
    secret: bytes

    def __call__(self, kind: str, value: str) -> str | None:
        try:
            return identity_key(self.secret, kind, self.normaliser.normalise(kind, value))
        except IdentityError:
            return None


class IndexRow(NamedTuple):
    """A row of the main table, in its columns' order."""

    position: int
    customer_id: str
    kind: str
    key: str
    occurred_at: datetime
    recorded_at: datetime
    linked: bool


class IdentitiesView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (position bigint PRIMARY KEY, "
        "customer_id text NOT NULL, kind text NOT NULL, key text NOT NULL, "
        "occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL, "
        "linked boolean NOT NULL)",
        # COLLATE "C": a lookup's page is in code-point order, the order a replay
        # sorts in and the cursor compares in, whatever the server's collation.
        "holdings": "CREATE TABLE IF NOT EXISTS {table} (kind text NOT NULL, key text NOT NULL, "
        'customer_id text COLLATE "C" NOT NULL, linked_at timestamptz NOT NULL, '
        "position bigint NOT NULL, "
        "PRIMARY KEY (kind, key, customer_id))",
        "counts": "CREATE TABLE IF NOT EXISTS {table} (kind text NOT NULL, key text NOT NULL, "
        "holders integer NOT NULL, PRIMARY KEY (kind, key))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("int8", "text", "text", "text", "timestamptz", "timestamptz", "bool"),
        "holdings": ("text", "text", "text", "timestamptz", "int8"),
        "counts": ("text", "text", "int4"),
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "identity": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (kind, key)"),
        "customer": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id)"),
        "holder": ("holdings", "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id)"),
        "several": (
            "counts",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (holders) WHERE holders >= 2",
        ),
    }

    def record_batch(self, rows: Sequence[IndexRow], erased: Iterable[str], step: Step) -> None:
        """Delete the rows of erased customers, add the batch's rows, re-fold the
        holdings of every stream they touched and recount their identities."""
        streams = sorted({row.customer_id for row in rows} | set(erased))
        with self.transaction(step) as curs:
            touched = self._held(curs, streams)
            curs.execute(
                self.sql("DELETE FROM {t} WHERE customer_id = ANY(%s)", t="main"), (list(erased),)
            )
            self.copy(curs, {"main": list(rows)})
            curs.execute(
                self.sql("DELETE FROM {t} WHERE customer_id = ANY(%s)", t="holdings"), (streams,)
            )
            curs.execute(
                self.sql("SELECT * FROM {t} WHERE customer_id = ANY(%s)", t="main"), (streams,)
            )
            holdings = holding_rows([index_row(row) for row in curs.fetchall()])
            self.copy(curs, {"holdings": holdings})
            self._recount(curs, touched | {(h[0], h[1]) for h in holdings})

    def _held(self, curs: Cursor[DictRow], streams: list[str]) -> set[tuple[str, str]]:
        curs.execute(
            self.sql("SELECT kind, key FROM {t} WHERE customer_id = ANY(%s)", t="holdings"),
            (streams,),
        )
        return {(row["kind"], row["key"]) for row in curs.fetchall()}

    def _recount(self, curs: Cursor[DictRow], identities: set[tuple[str, str]]) -> None:
        kinds, keys = [k for k, _ in identities], [k for _, k in identities]
        curs.execute(
            self.sql(
                "DELETE FROM {c} WHERE (kind, key) IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[]))",
                c="counts",
            ),
            (kinds, keys),
        )
        curs.execute(
            self.sql(
                "INSERT INTO {c} SELECT h.kind, h.key, count(*) FROM {h} h "
                "JOIN unnest(%s::text[], %s::text[]) AS i(kind, key) USING (kind, key) "
                "GROUP BY h.kind, h.key",
                c="counts",
                h="holdings",
            ),
            (kinds, keys),
        )

    def loaded(self, curs: Cursor[DictRow], head: int) -> None:
        """After a rebuild's bulk pass: count the holders of every identity."""
        curs.execute(
            self.sql(
                "INSERT INTO {c} SELECT kind, key, count(*) FROM {h} GROUP BY kind, key",
                c="counts",
                h="holdings",
            )
        )


def index_row(row: dict[str, Any]) -> IndexRow:
    return IndexRow(*(row[field] for field in IndexRow._fields))


def index_fact(row: IndexRow) -> Fact:
    """A stored row as the identity fact it came from (its key beside it)."""
    kind = LINKED if row.linked else UNLINKED
    return Fact(row.position, kind, row.customer_id, row.occurred_at, data={"kind": row.kind})


def holding_rows(rows: Sequence[IndexRow]) -> list[tuple[Any, ...]]:
    """What the streams of `rows` hold after them, as rows of `_holdings`."""
    keys = {row.position: row.key for row in rows}
    return [tuple(h) for h in held_identities([index_fact(row) for row in rows], keys)]


def unerased(rows: Iterable[IndexRow], facts: Iterable[Fact]) -> list[IndexRow]:
    """The rows no later erasure of their customer (among `facts`) deletes."""
    last: dict[str, int] = {}
    for fact in facts:
        if fact.type == ERASED:
            last[fact.customer_id] = max(fact.position, last.get(fact.customer_id, 0))
    return [row for row in rows if row.position > last.get(row.customer_id, 0)]


class IdentitiesProjection(BatchProjection):
    name = "identities_v1"
    view_class = IdentitiesView
    topics = tuple(TOPIC_BY_TYPE[t] for t in (LINKED, UNLINKED, ERASED))

    def index_rows(self, facts: Sequence[Fact]) -> list[IndexRow]:
        """A row per identity event whose value opens and normalises, but none
        that an erasure among `facts` deletes."""
        values, key_of = self.context.sealed_values, self.context.identity_key
        if values is None or key_of is None:
            raise RuntimeError(f"{self.name} needs the context's sealed_values and identity_key")
        identity = [f for f in facts if f.type in IDENTITY_TYPES]
        opened = values.values([f.position for f in identity])
        rows = []
        for fact in identity:
            found = opened.get(fact.position)
            value = None if found is None else found.value
            key = None if value is None else key_of(fact.data["kind"], value)
            if found is not None and key is not None:
                rows.append(
                    IndexRow(
                        fact.position,
                        fact.customer_id,
                        fact.data["kind"],
                        key,
                        fact.occurred_at,
                        found.recorded_at,
                        fact.type == LINKED,
                    )
                )
        return unerased(rows, facts)

    def fold(self, facts: Sequence[Fact]) -> Rows:
        """One customer's whole history: its rows and what it holds after them."""
        rows = self.index_rows(facts)
        return {"main": list(rows), "holdings": holding_rows(rows)}

    def process_batch(self, facts: Sequence[Fact], step: Step) -> None:
        assert isinstance(self.view, IdentitiesView)
        erased = sorted({f.customer_id for f in facts if f.type == ERASED})
        self.view.record_batch(self.index_rows(facts), erased, step)
