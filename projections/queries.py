"""The read model: SPEC 8 answers for "now" from the projection tables.

Answers are built by the same functions a bitemporal replay uses
(`journey.reading.documents`), from stored rows instead of freshly folded facts.
Periods (`start`, `end`) include their start and exclude their end.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import orjson
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composable, Identifier

from journey.reading.documents import contacts_document, counts_document, stored_case_document
from journey.reading.persons import Person
from journey.rules.contacts import ContactCounts
from journey.rules.sla import SlaInstance
from journey.rules.sla_config import SlaConfig
from projections.base import APPLICATION_NAME, Context
from projections.cases import CasesProjection
from projections.contacts import ContactsProjection, contact_fact
from projections.registry import PROJECTIONS, status
from projections.surveys import SurveysProjection

Row = dict[str, Any]
TABLES = {
    "cases": Identifier(CasesProjection.name),
    "sla": Identifier(f"{CasesProjection.name}_sla"),
    "contacts": Identifier(ContactsProjection.name),
    "merges": Identifier(f"{ContactsProjection.name}_merges"),
    "members": Identifier(f"{ContactsProjection.name}_members"),
    "surveys": Identifier(SurveysProjection.name),
}


class CursorError(ValueError):
    """An opaque cursor that this server did not hand out."""


class ReadModel:
    def __init__(self, store: Any, sla_config: SlaConfig, repeat_window: timedelta):
        self._store = store
        self._datastore: PostgresDatastore = store.datastore
        self._context = Context(sla_config.policy_for, repeat_window)

    def _rows(
        self, query: str, params: dict[str, Any] | tuple[Any, ...] = (), **parts: Composable
    ) -> list[Row]:
        """Run `query`, its `{cases}`, `{sla}`, `{contacts}`, `{surveys}` naming the
        current version of each projection's table, other `{names}` filled by `parts`."""
        with self._datastore.cursor() as curs:  # one statement: no BEGIN and ROLLBACK
            curs.execute(SQL(query).format(**TABLES, **parts), params)
            return list(curs.fetchall())

    def case(self, case_id: str, at: datetime) -> Row | None:
        found = self._cases("case_id", [case_id], at)
        return found[0] if found else None

    def customer_cases(
        self, person: Person, at: datetime, resolved_since: datetime | None = None
    ) -> list[Row]:
        """The cases of every stream of the person; with `resolved_since`, only those
        not resolved or closed, or resolved since then (what the brief shows)."""
        return self._cases("customer_id", list(person.merged_ids), at, resolved_since)

    def person(self, customer_id: str) -> Person:
        """The customer's person now (SPEC 10.2), in one statement."""
        (row,) = self._rows(
            "WITH p AS (SELECT coalesce((SELECT person_id FROM {members} "
            "WHERE customer_id = %(id)s), %(id)s) AS id) SELECT p.id AS resolved, "
            "array(SELECT customer_id FROM {members} WHERE person_id = p.id) AS streams FROM p",
            {"id": customer_id},
        )
        resolved = row["resolved"]
        merged = sorted({resolved, customer_id, *row["streams"]})
        return Person(customer_id, resolved, tuple(merged))

    def component(self, customer_id: str) -> list[str]:
        """Every stream any merge ever joined to the customer's, itself included:
        where a replay looks for the customer's person."""
        rows = self._rows(
            "WITH RECURSIVE c(id) AS (SELECT %s::text UNION "
            "SELECT CASE WHEN m.customer_id = c.id THEN m.into_id ELSE m.customer_id END "
            "FROM {merges} m JOIN c ON m.customer_id = c.id OR m.into_id = c.id "
            "WHERE m.into_id IS NOT NULL) SELECT id FROM c ORDER BY id",
            (customer_id,),
        )
        return [row["id"] for row in rows]

    def _cases(
        self, column: str, keys: list[str], at: datetime, resolved_since: datetime | None = None
    ) -> list[Row]:
        cases = self._rows(
            "SELECT * FROM {cases} WHERE {column} = ANY(%(keys)s) AND (%(since)s::timestamptz "
            "IS NULL OR status NOT IN ('resolved', 'closed') OR resolved_at >= %(since)s) "
            "ORDER BY opened_at, case_id",
            {"keys": keys, "since": resolved_since},
            column=Identifier(column),
        )
        instances: dict[str, list[SlaInstance]] = {c["case_id"]: [] for c in cases}
        for row in self._rows(
            "SELECT * FROM {sla} WHERE case_id = ANY(%s) ORDER BY case_id, "
            "array_position(ARRAY['first_response','next_response','resolution'], metric), seq",
            (list(instances),),
        ):
            instances[row["case_id"]].append(
                SlaInstance(
                    row["metric"],
                    row["policy"],
                    row["start"],
                    row["target_seconds"],
                    row["due_at"],
                    row["fulfilled_at"],
                    False,
                    None,
                )
            )
        return [stored_case_document(c, instances[c["case_id"]], at) for c in cases]

    def contacts(self, person: Person, window: timedelta) -> Row:
        """SPEC 4 counts over the person's streams: the projection's flags under
        the configured window, the same fold over its rows under another."""
        rows = self._rows(
            "SELECT * FROM {contacts} WHERE person_id = %s ORDER BY occurred_at, position",
            (person.resolved_id,),
        )
        if window == self._context.repeat_window:
            counts = ContactCounts(
                inbound_contacts=len(rows),
                repeat_contacts=sum(r["is_repeat"] for r in rows),
                channel_switches=sum(r["is_switch"] for r in rows),
                abandoned=sum(r["abandoned"] for r in rows),
            )
            return counts_document(person, counts, window)
        return contacts_document(person, [contact_fact(r) for r in rows], window)

    def breaches(
        self,
        at: datetime,
        start: datetime | None = None,
        end: datetime | None = None,
        channel: str | None = None,
        metric: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[Row], str | None]:
        """SLA instances breached at `at` (SPEC 5.2: due_at < min(at, fulfilled_at)),
        in order of `breached_at`, paged by an opaque cursor."""
        after = _decode_cursor(cursor) if cursor else None
        rows = self._rows(
            "SELECT s.case_id, s.customer_id, s.metric, s.policy, s.due_at AS breached_at, "
            "s.start, s.target_seconds, s.due_at, s.fulfilled_at, c.channel, c.priority, s.seq "
            "FROM {sla} s JOIN {cases} c USING (case_id) "
            "WHERE s.due_at IS NOT NULL AND s.due_at < %(at)s "
            "AND (s.fulfilled_at IS NULL OR s.due_at < s.fulfilled_at) "
            "AND (%(start)s::timestamptz IS NULL OR s.due_at >= %(start)s) "
            "AND (%(end)s::timestamptz IS NULL OR s.due_at < %(end)s) "
            "AND (%(channel)s::text IS NULL OR c.channel = %(channel)s) "
            "AND (%(metric)s::text IS NULL OR s.metric = %(metric)s) "
            "AND (%(after_due)s::timestamptz IS NULL OR (s.due_at, s.case_id, s.metric, s.seq) > "
            "(%(after_due)s, %(after_case)s, %(after_metric)s, %(after_seq)s)) "
            "ORDER BY s.due_at, s.case_id, s.metric, s.seq LIMIT %(limit)s",
            {
                "at": at,
                "start": start,
                "end": end,
                "channel": channel,
                "metric": metric,
                "limit": limit + 1,
                **_cursor_params(after),
            },
        )
        page, more = rows[:limit], len(rows) > limit
        next_cursor = _encode_cursor(page[-1]) if more else None
        for row in page:
            row["target_seconds"] = int(row["target_seconds"])
            row.pop("seq")
        return page, next_cursor

    def first_contact_resolution(self, start: datetime | None, end: datetime | None) -> list[Row]:
        rows = self._rows(
            "SELECT channel, count(*) AS resolved_cases, "
            "count(*) FILTER (WHERE first_contact_resolution) AS fcr_cases FROM {cases} "
            "WHERE resolved_at IS NOT NULL AND (%(start)s::timestamptz IS NULL OR resolved_at >= "
            "%(start)s) AND (%(end)s::timestamptz IS NULL OR resolved_at < %(end)s) "
            "GROUP BY channel ORDER BY channel",
            {"start": start, "end": end},
        )
        for row in rows:
            row["rate"] = row["fcr_cases"] / row["resolved_cases"]
        return rows

    def repeat_contacts_by_day(
        self, start: datetime | None, end: datetime | None, window: timedelta
    ) -> list[Row]:
        """Per UTC day and channel. The configured window reads the projection's
        flags; another window re-derives them with the same rule in SQL."""
        params = {"start": start, "end": end, "window": window}
        if window == self._context.repeat_window:
            flagged = "SELECT * FROM {contacts}"
        else:
            flagged = (
                "SELECT customer_id, position, occurred_at, channel, abandoned, "
                "coalesce(prev_at >= occurred_at - %(window)s, false) AS is_repeat, "
                "coalesce(prev_at >= occurred_at - %(window)s AND prev_channel IS DISTINCT FROM "
                "channel, false) AS is_switch FROM (SELECT *, lag(occurred_at) OVER w AS prev_at, "
                "lag(channel) OVER w AS prev_channel FROM {contacts} WHERE "
                "(%(start)s::timestamptz IS NULL OR occurred_at >= %(start)s - %(window)s) "
                "WINDOW w AS (PARTITION BY person_id ORDER BY occurred_at, position)) AS l"
            )
        return self._rows(
            "SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, channel, "
            "count(*) AS inbound_contacts, count(*) FILTER (WHERE is_repeat) AS repeat_contacts, "
            "count(*) FILTER (WHERE is_switch) AS channel_switches, "
            "count(*) FILTER (WHERE abandoned) AS abandoned FROM ({flagged}) AS f "
            "WHERE (%(start)s::timestamptz IS NULL OR occurred_at >= %(start)s) "
            "AND (%(end)s::timestamptz IS NULL OR occurred_at < %(end)s) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            params,
            flagged=SQL(flagged).format(**TABLES),
        )

    def satisfaction(self, start: datetime | None, end: datetime | None) -> list[Row]:
        rows = self._rows(
            "SELECT channel, count(csat) AS csat_responses, "
            "count(*) FILTER (WHERE csat >= 4) AS csat_positive, count(nps) AS nps_responses, "
            "count(*) FILTER (WHERE nps >= 9) AS promoters, "
            "count(*) FILTER (WHERE nps <= 6) AS detractors, count(ces) AS ces_responses, "
            "avg(ces)::float AS ces FROM {surveys} "
            "WHERE (%(start)s::timestamptz IS NULL OR occurred_at >= %(start)s) "
            "AND (%(end)s::timestamptz IS NULL OR occurred_at < %(end)s) "
            "GROUP BY channel ORDER BY channel",
            {"start": start, "end": end},
        )
        for row in rows:
            row["csat"] = (
                row["csat_positive"] / row["csat_responses"] if row["csat_responses"] else None
            )
            row["nps"] = (
                100 * (row["promoters"] - row["detractors"]) / row["nps_responses"]
                if row["nps_responses"]
                else None
            )
        return rows

    def projections(self) -> list[Row]:
        return [vars(s) for s in status(self._store)]

    def wait_until(self, position: int, timeout: float) -> bool:
        """Read-your-writes: wait (bounded) until every projection has reached `position`."""
        for projection_class in PROJECTIONS:
            view = projection_class.view_class(self._datastore, projection_class.name)
            try:
                view.wait(APPLICATION_NAME, position, timeout=timeout)
            except TimeoutError:
                return False
        return True


def _encode_cursor(row: Row) -> str:
    key = [row["breached_at"].isoformat(), row["case_id"], row["metric"], row["seq"]]
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str, str, int]:
    try:
        due, case_id, metric, seq = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(due), str(case_id), str(metric), int(seq)
    except (ValueError, TypeError) as error:
        raise CursorError("cursor: not a cursor this server handed out") from error


def _cursor_params(after: tuple[datetime, str, str, int] | None) -> dict[str, Any]:
    due, case_id, metric, seq = after or (None, None, None, None)
    return {"after_due": due, "after_case": case_id, "after_metric": metric, "after_seq": seq}
