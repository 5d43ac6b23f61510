"""Group commit: concurrent single-event appends share transactions, each is
answered after its commit, and a bad request in a group fails only itself."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from journey.ingest.group_commit import BUSY_GROUP, GroupCommitter, _Request
from journey.ingest.ports import AppendResult, EventConflict
from journey.runtime import Runtime
from tests.factories import event


class CountingIngestor:
    """The real ingestor, counting its transactions."""

    def __init__(self, store: Runtime):
        self.inner = store.ingestor
        self.transactions = 0

    def append_valid(self, events: Any) -> list[AppendResult]:
        self.transactions += 1
        return self.inner.append_valid(events)


def test_concurrent_single_events_share_transactions_and_all_commit(
    store: Runtime, admin: psycopg.Connection[Any]
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


def test_a_conflicting_request_fails_alone_and_its_group_commits(store: Runtime) -> None:
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


class GatedIngestor(CountingIngestor):
    """Counts transactions and holds the first until `gate` is set."""

    def __init__(self, store: Runtime):
        super().__init__(store)
        self.gate = threading.Event()
        self.sizes: list[int] = []

    def append_valid(self, events: Any) -> list[AppendResult]:
        self.gate.wait(30)
        self.sizes.append(len(events))
        return super().append_valid(events)


def test_under_load_a_group_stays_open_for_requests_that_come_just_after(
    store: Runtime,
) -> None:
    ingestor = GatedIngestor(store)
    committer = GroupCommitter(ingestor, gather_seconds=3.0)  # type: ignore[arg-type]
    first = committer.submit(store.ingestor.validate([event()]))
    time.sleep(0.2)  # the writer holds `first` alone, gated
    busy = [committer.submit(store.ingestor.validate([event()])) for _ in range(BUSY_GROUP)]
    ingestor.gate.set()
    for done in [first, *busy]:
        done.result(timeout=30)
    late = [committer.submit(store.ingestor.validate([event()]))]
    time.sleep(0.2)  # well within the gathering time: it joins the same group
    late.append(committer.submit(store.ingestor.validate([event()])))
    positions = [done.result(timeout=30)[0].position for done in late]
    committer.close()
    assert ingestor.sizes == [1, BUSY_GROUP, 2]
    assert positions[1] == positions[0] + 1


def test_when_idle_a_request_is_committed_without_waiting(store: Runtime) -> None:
    committer = GroupCommitter(store.ingestor, gather_seconds=30.0)
    events = store.ingestor.validate([event()])
    started = time.monotonic()
    committer.submit(events).result(timeout=30)
    seconds = time.monotonic() - started
    committer.close()
    assert seconds < 10  # no wait for company (30 s): the last group was not busy


def test_events_prepared_elsewhere_are_sealed_again_when_their_key_changed(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    """A preparer process sealed a batch; the customer's key was destroyed (an
    erasure) before the group commit wrote it. The recorder refuses the stale
    key; the committer prepares the batch again from its raw events, under the
    new key, and stores it once."""
    raw = [event(customer_id="cust-k", pii={"body": f"m{n}"}) for n in range(3)]
    store.ingestor.append([event(customer_id="cust-k", pii={"body": "first"})])
    prepared = store.ingestor.prepare(store.ingestor.validate(raw))
    assert store.keys.destroy("cust-k")
    committer = GroupCommitter(store.ingestor)

    async def commit() -> list[AppendResult]:
        return await committer.commit_prepared(prepared, raw)

    with ThreadPoolExecutor(1) as thread:  # a loop of its own (the browser tests run one here)
        results = thread.submit(lambda: asyncio.run(commit())).result()
    committer.close()
    assert [(r.id, r.status) for r in results] == [(e["id"], "created") for e in raw]
    assert admin.execute("SELECT count(*) FROM journey_events").fetchone() == (4,)
    stored = {r.id: r.position for r in results}
    resealed = admin.execute(
        "SELECT count(*) FROM journey_events WHERE event_id = ANY(%s)", (list(stored),)
    ).fetchone()
    assert resealed == (3,)
    assert [n.data_key_check for n in prepared] != [None] * 3  # they had been sealed


def test_a_group_of_prepared_and_unprepared_requests_keeps_each_request_s_events(
    store: Runtime,
) -> None:
    """The writer prepares the unprepared requests' events in one go and writes
    them between the prepared ones, each request's results in its own order."""
    batches = [[event(customer_id=f"mix-{n}-{i}") for i in range(n + 1)] for n in range(4)]
    valid = [store.ingestor.validate(batch) for batch in batches]
    committer = GroupCommitter(store.ingestor)
    group = [
        _Request(events, Future())
        if n % 2 == 0
        else _Request((), Future(), None, store.ingestor.prepare(events), batches[n])
        for n, events in enumerate(valid)
    ]
    results = committer._append(group)
    committer.close()
    assert [r.id for r in results] == [e["id"] for batch in batches for e in batch]
    assert [r.position for r in results] == list(range(1, 11))
