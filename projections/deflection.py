"""Self-service deflection: the worked example of docs/projections.md (not in SPEC).

Question: how often does a helpful self-service use (help article, FAQ, bot)
spare the customer a contact? A use is *deflected* when it was marked helpful
and the same customer made no inbound contact within the 24 hours after it.
Reads: `self_service.used` and `contact.inbound`.
How: uses are kept with their flag; each batch re-judges the uses of the
customers it touches against their inbound contacts in the log (up to the
batch's last position, through the events table's timeline index), so a late
contact undoes a deflection where it occurred. A rebuild copies every
customer's uses in, then judges them all at once. Uses younger than 24 hours
are reported as pending at query time.
Rebuild: `journey projections rebuild deflection_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from journey.postgres.reads import EVENTS
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Fold, Rows, Step, View

WINDOW = timedelta(hours=24)


class DeflectionView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text NOT NULL, "
        "helpful boolean, deflected boolean NOT NULL DEFAULT false, "
        "PRIMARY KEY (customer_id, position))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("text", "int8", "timestamptz", "text", "bool", "bool"),
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "occurred": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (occurred_at)"),
    }

    def record(self, facts: Sequence[Fact], fold: Fold, step: Step) -> None:
        """Copy in the batch's uses, then judge again the uses of every customer the
        batch names (a late contact undoes a deflection)."""
        with self.transaction(step) as curs:
            self.copy(curs, fold(facts))
            self._judge(curs, sorted({f.customer_id for f in facts}), step.notification_id)

    def loaded(self, curs: Cursor[DictRow], head: int) -> None:
        self._judge(curs, None, head)

    def _judge(self, curs: Cursor[DictRow], customers: list[str] | None, upto: int) -> None:
        """Set the `deflected` flag of the uses of `customers` (None: of everyone)
        from their inbound contacts in the log up to position `upto`."""
        curs.execute(
            SQL(
                "UPDATE {u} AS u SET deflected = coalesce(u.helpful, false) AND NOT EXISTS ("
                "SELECT 1 FROM {events} AS e WHERE e.originator_id = u.customer_id "
                "AND e.occurred_at > u.occurred_at AND e.occurred_at <= u.occurred_at + %s "
                "AND e.topic = %s AND e.notification_id <= %s) "
                "WHERE %s::text[] IS NULL OR u.customer_id = ANY(%s)"
            ).format(u=self.table(), events=EVENTS),
            (WINDOW, TOPIC_BY_TYPE["contact.inbound"], upto, customers, customers),
        )


class DeflectionProjection(BatchProjection):
    name = "deflection_v1"
    view_class = DeflectionView
    topics = (TOPIC_BY_TYPE["self_service.used"], TOPIC_BY_TYPE["contact.inbound"])

    def fold(self, facts: Sequence[Fact]) -> Rows:
        """The uses' rows, not yet judged (the view judges them against the log)."""
        return {
            "main": [
                (f.customer_id, f.position, f.occurred_at, f.channel, f.data.get("helpful"), False)
                for f in facts
                if f.type == "self_service.used"
            ]
        }
