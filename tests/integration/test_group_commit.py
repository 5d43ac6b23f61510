"""Group commit: concurrent single-event appends share transactions, each is
answered after its commit, and a bad request in a group fails only itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from journey.adapters.postgres import EventConflict
from journey.group_commit import GroupCommitter
from journey.ingestion import AppendResult
from journey.runtime import Store
from tests.factories import event


class CountingIngestor:
    """The real ingestor, counting its transactions."""

    def __init__(self, store: Store):
        self.inner = store.ingestor
        self.transactions = 0

    def append_valid(self, events: Any) -> list[AppendResult]:
        self.transactions += 1
        return self.inner.append_valid(events)


def test_concurrent_single_events_share_transactions_and_all_commit(
    store: Store, admin: psycopg.Connection[Any]
) -> None:
    counting = CountingIngestor(store)
    committer = GroupCommitter(counting)  # type: ignore[arg-type]
    events = [store.ingestor.validate([event(customer_id=f"c-{n % 7}")]) for n in range(400)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(committer.append, events))
    committer.close()
    positions = sorted(r.position for (r,) in results)
    assert positions == list(range(1, 401))
    assert admin.execute("SELECT count(*) FROM journey_events").fetchone() == (400,)
    assert counting.transactions < 400


def test_a_conflicting_request_fails_alone_and_its_group_commits(store: Store) -> None:
    original = event(id="taken")
    store.ingestor.append([original])
    committer = GroupCommitter(store.ingestor)
    requests = [store.ingestor.validate([event()]) for _ in range(40)]
    goods = [committer.submit(r) for r in requests[:20]]
    bad = committer.submit(store.ingestor.validate([{**original, "channel": "sms"}]))
    goods += [committer.submit(r) for r in requests[20:]]
    with pytest.raises(EventConflict):
        bad.result(timeout=30)
    assert all(g.result(timeout=30)[0].status == "created" for g in goods)
    committer.close()
