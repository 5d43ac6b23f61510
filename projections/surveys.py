"""Satisfaction (CSAT, NPS, CES) by the survey's channel.

Question: how satisfied were customers, per channel, over a period?
Reads: `survey.answered`.
How: one row per answer; the SPEC 8 ratios (CSAT = share of 4-5, NPS = 100 x
(promoters 9-10 - detractors 0-6) / responses, CES = mean) are computed at
query time over `occurred_at`. Order-independent by construction.
Rebuild: `journey projections rebuild surveys_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Rows, View


class SurveysView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text NOT NULL, "
        "csat smallint, nps smallint, ces smallint, PRIMARY KEY (customer_id, position))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("text", "int8", "timestamptz", "text", "int2", "int2", "int2")
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "occurred": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (occurred_at)"),
    }


class SurveysProjection(BatchProjection):
    name = "surveys_v1"
    view_class = SurveysView
    topics = (TOPIC_BY_TYPE["survey.answered"],)

    def fold(self, facts: Sequence[Fact]) -> Rows:
        return {
            "main": [
                (
                    f.customer_id,
                    f.position,
                    f.occurred_at,
                    f.channel,
                    f.data.get("csat"),
                    f.data.get("nps"),
                    f.data.get("ces"),
                )
                for f in facts
            ]
        }
