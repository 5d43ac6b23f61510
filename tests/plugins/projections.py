"""Running projections in tests, and reading their tables back for comparison."""

from __future__ import annotations

import random
from typing import Any

import psycopg

from journey.runtime import Runtime
from projections.base import BatchProjection
from projections.registry import PROJECTIONS, build, context_for
from projections.runner import Runner


def catch_up_all(store: Runtime, batch_size: int = 2000) -> list[BatchProjection]:
    """Every projection caught up, fed by one shared pass over the log."""
    built = [build(p, store.datastore, context_for(store)) for p in PROJECTIONS]
    Runner(store.recorder, built, batch_size).catch_up()
    return built


def ingest_in_steps(store: Runtime, events: list[dict[str, Any]], rng: random.Random) -> None:
    """Append `events` in small batches, the projections catching up now and then
    (so late events arrive after their successors were projected), then fully."""
    while events:
        size = rng.randint(1, 4)
        store.ingestor.append(events[:size])
        events = events[size:]
        if rng.random() < 0.5:
            catch_up_all(store, batch_size=rng.randint(1, 5))
    catch_up_all(store)


def clean_copies(store: Runtime, batch_size: int = 2000) -> None:
    """Every projection built again from position 0 by the batch path, into
    `clean_*` tables beside the live ones: the reference a test compares them with."""
    context = context_for(store)
    clean = [build(p, store.datastore, context, "clean_" + p.name) for p in PROJECTIONS]
    Runner(store.recorder, clean, batch_size).catch_up()


# What each projection answers, without the positions (which depend on arrival order),
# every row ordered by all its columns (two contacts of a stream may share an instant).
SNAPSHOT_QUERIES = {
    "cases": "SELECT case_id, customer_id, status, opened_at, channel, priority, assignee, handoffs, "
    "agents, inbound_contacts, repeat_contacts, first_response_at, reopens, resolved_at, "
    "first_contact_resolution FROM {p}cases_v1 ORDER BY case_id",
    "sla": "SELECT case_id, metric, seq, policy, start, target_seconds, due_at, fulfilled_at "
    "FROM {p}cases_v1_sla ORDER BY case_id, metric, seq",
    "contacts": "SELECT customer_id, occurred_at, channel, abandoned, is_repeat, is_switch, "
    "person_id FROM {p}contacts_v2 ORDER BY customer_id, occurred_at, channel, abandoned, "
    "is_repeat, is_switch, person_id",
    "persons": "SELECT customer_id, person_id FROM {p}contacts_v2_members ORDER BY customer_id",
    "merges": "SELECT customer_id, into_id, occurred_at FROM {p}contacts_v2_merges "
    "ORDER BY customer_id, occurred_at, into_id",
    # identities_v1 keeps `recorded_at` and positions out too: they follow arrival
    "identities": "SELECT customer_id, kind, key, occurred_at, linked FROM {p}identities_v1 "
    "ORDER BY customer_id, kind, key, occurred_at, linked",
    "holdings": "SELECT kind, key, customer_id, linked_at FROM {p}identities_v1_holdings "
    "ORDER BY kind, key, customer_id",
    "holders": "SELECT kind, key, holders FROM {p}identities_v1_counts ORDER BY kind, key",
    "surveys": "SELECT customer_id, occurred_at, channel, csat, nps, ces FROM {p}surveys_v1 "
    "ORDER BY customer_id, occurred_at, channel, csat, nps, ces",
    "deflection": "SELECT customer_id, occurred_at, helpful, deflected FROM {p}deflection_v1 "
    "ORDER BY customer_id, occurred_at, helpful, deflected",
    "touches": "SELECT customer_id, occurred_at, type, case_id, agent_id FROM {p}brief_v1 "
    "ORDER BY customer_id, occurred_at, type, case_id, agent_id",
    "uses": "SELECT customer_id, occurred_at, channel, article_id, helpful "
    "FROM {p}brief_v1_self_service ORDER BY customer_id, occurred_at, channel, article_id, helpful",
    "answers": "SELECT customer_id, occurred_at, channel, case_id, csat, nps, ces "
    "FROM {p}brief_v1_surveys ORDER BY customer_id, occurred_at, channel, case_id, csat, nps, ces",
}


def snapshot(admin: psycopg.Connection[Any], prefix: str = "") -> dict[str, list[Any]]:
    return {
        name: admin.execute(query.replace("{p}", prefix)).fetchall()  # type: ignore[arg-type]
        for name, query in SNAPSHOT_QUERIES.items()
    }
