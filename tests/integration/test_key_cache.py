"""The data-key cache is bounded (an import's preparers keep a small one: every
cached key holds an AES-GCM context), and a key that fell out of it is loaded
again, never made anew: the customer's pii stays readable and idempotent
re-sends stay duplicates."""

from __future__ import annotations

from journey.ingest.ingestor import Ingestor
from journey.postgres.keys import KeyStore
from journey.runtime import Runtime
from tests.factories import event


def test_the_cache_keeps_at_most_its_size_and_reloads_the_same_keys(store: Runtime) -> None:
    keys = KeyStore(store.datastore.pool, store.settings.master_key, cache_size=3)
    customers = [f"cust-{n}" for n in range(10)]
    first = {c: keys.data_keys([c])[c].wrapped for c in customers}
    assert len(keys._cache) == 3
    assert list(keys._cache) == customers[-3:]  # the most recently used
    again = {c: keys.data_keys([c])[c].wrapped for c in customers}
    assert again == first and len(set(first.values())) == len(customers)
    assert len(keys._cache) == 3


def test_a_re_sent_event_after_its_key_left_the_cache_is_a_duplicate(store: Runtime) -> None:
    keys = KeyStore(store.datastore.pool, store.settings.master_key, cache_size=1)
    ingestor = Ingestor(store.recorder, keys)
    sent = event(customer_id="cust-a", pii={"body": "my card is blocked"})
    (created,) = ingestor.append([sent])
    ingestor.append([event(customer_id="cust-b", pii={"body": "another"})])
    assert "cust-a" not in keys._cache
    (again,) = ingestor.append([sent])
    assert (again.status, again.position) == ("duplicate", created.position)
