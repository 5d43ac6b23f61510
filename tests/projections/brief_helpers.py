"""Reading the brief (SPEC 11) both ways in tests: "now" from the projections,
and replayed, each judged at a given instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journey.postgres.reads import EventReads
from journey.reading.replay import Replays
from journey.runtime import Runtime
from projections.brief_reads import Briefs
from projections.queries import ReadModel
from tests.plugins.projections import catch_up_all


def briefs_of(store: Runtime) -> Briefs:
    window = store.settings.repeat_window
    model = ReadModel(store, store.sla_config, window)
    reads = EventReads(store.datastore.pool)
    policy_for = store.sla_config.policy_for
    replays = Replays(reads, model.component, policy_for)
    return Briefs(reads, model, replays, store.datastore, policy_for, window)


def brief(store: Runtime, customer_id: str, at: datetime) -> dict[str, Any]:
    """The brief's fields, person and message positions at `at`, after checking
    that the projections and a replay give the same (every event occurred by `at`)."""
    catch_up_all(store)
    briefs = briefs_of(store)
    now, replayed = briefs.now(customer_id, at), briefs.replayed(customer_id, None, at)
    assert now is not None and replayed is not None
    assert now.person == replayed.person
    assert now.fields == replayed.fields
    messages = [row[0] for row in briefs.messages(now)]
    assert messages == [row[0] for row in briefs.messages(replayed)]
    return {**now.fields, "merged_ids": now.person.merged_ids, "messages": messages}
