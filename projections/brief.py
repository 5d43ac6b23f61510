"""What the agent's brief (SPEC 11) reads "now" that the other projections lack.

Question: which agents touched a person's cases lately, which help articles did
the person try, and what did its latest survey say about which case?
Reads: `case.assigned`, `reply.outbound` (a touch: the agent and the instant),
`self_service.used` (with its `article_id`), `survey.answered` (with its
`case_id`).
How: one row per event in three tables (`brief_v1` the touches,
`brief_v1_self_service`, `brief_v1_surveys`), each indexed by
(customer_id, occurred_at): rows depend on their own event alone, so arrival
order does not matter and a rebuild is the same fold. `projections.brief_reads`
reads them (with `contacts_v2` and `cases_v1`) for the brief "now".
Rebuild: `journey projections rebuild brief_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from journey.brief import fields
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Rows, View


def _by_time(role: str) -> tuple[str, str]:
    return (role, "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id, occurred_at)")


class BriefView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, type text NOT NULL, "
        "case_id text NOT NULL, agent_id text NOT NULL, PRIMARY KEY (customer_id, position))",
        "self_service": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text NOT NULL, "
        "article_id text NOT NULL, helpful boolean, PRIMARY KEY (customer_id, position))",
        "surveys": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text NOT NULL, "
        "case_id text, csat smallint, nps smallint, ces smallint, "
        "PRIMARY KEY (customer_id, position))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("text", "int8", "timestamptz", "text", "text", "text"),
        "self_service": ("text", "int8", "timestamptz", "text", "text", "bool"),
        "surveys": ("text", "int8", "timestamptz", "text", "text", "int2", "int2", "int2"),
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "touched": _by_time("main"),
        "used": _by_time("self_service"),
        "answered": _by_time("surveys"),
    }


class BriefProjection(BatchProjection):
    name = "brief_v1"
    view_class = BriefView
    topics = tuple(
        TOPIC_BY_TYPE[t]
        for t in (fields.ASSIGNED, fields.REPLY, fields.SELF_SERVICE, fields.SURVEY)
    )

    def fold(self, facts: Sequence[Fact]) -> Rows:
        touches = [f for f in facts if f.type in fields.TOUCH_TYPES and f.case_id and f.agent_id]
        return {
            "main": [
                (f.customer_id, f.position, f.occurred_at, f.type, f.case_id, f.agent_id)
                for f in touches
            ],
            "self_service": [
                (
                    f.customer_id,
                    f.position,
                    f.occurred_at,
                    f.channel,
                    f.data["article_id"],
                    f.data.get("helpful"),
                )
                for f in facts
                if f.type == fields.SELF_SERVICE
            ],
            "surveys": [
                (
                    f.customer_id,
                    f.position,
                    f.occurred_at,
                    f.channel,
                    f.case_id,
                    f.data.get("csat"),
                    f.data.get("nps"),
                    f.data.get("ces"),
                )
                for f in facts
                if f.type == fields.SURVEY
            ],
        }
