"""The customer the demo opens its journey page at: a person of two or three
streams, merged after `cut` (so a reading as of before shows one stream), with
a duplicate candidate beside it; otherwise one worth a first look by its events."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from journey.identities.normalise import NO_REGION

Event = dict[str, Any]


def showcase(events: Sequence[Event], cut: datetime) -> str:
    ordered = sorted(events, key=lambda e: e["occurred_at"])
    pointers: dict[str, str] = {}
    merged_at: dict[str, datetime] = {}
    holders: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for event in ordered:
        customer, kind = event["customer_id"], event["type"]
        if kind == "customer.merged":
            pointers[customer] = event["data"]["into"]
            merged_at[customer] = _instant(event)
        elif kind == "customer.unmerged":
            pointers.pop(customer, None)
        elif kind in ("identity.linked", "identity.unlinked"):
            identity = event["data"]["kind"]
            key = (identity, NO_REGION.normalise(identity, event["pii"]["value"]))
            (holders[key].add if kind == "identity.linked" else holders[key].discard)(customer)
    streams: defaultdict[str, set[str]] = defaultdict(set)
    for customer, into in pointers.items():
        streams[into].update((customer, into))
    persons = {c: pointers.get(c, c) for held in holders.values() for c in held}
    duplicates: defaultdict[str, set[str]] = defaultdict(set)
    for held in holders.values():
        resolved = {persons[c] for c in held}
        for person in resolved:
            duplicates[person] |= resolved - {person}
    late = {c for c, at in merged_at.items() if at > cut and c in pointers}
    channels: defaultdict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.get("channel"):
            channels[event["customer_id"]].add(event["channel"])
    merged = [p for p in streams if duplicates[p]]
    if merged:
        return max(
            merged,
            key=lambda p: (
                bool(streams[p] & late),
                len(set().union(*(channels[s] for s in streams[p]))) >= 3,
                min(len(streams[p]), 3),
                p,
            ),
        )
    return _busiest(events, cut)


def _busiest(events: Sequence[Event], cut: datetime) -> str:
    """With events after `cut`, over three channels or more, of readable length."""
    channels: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    late: set[str] = set()
    for event in events:
        customer = event["customer_id"]
        channels.setdefault(customer, set()).add(event.get("channel", ""))
        counts[customer] += 1
        if _instant(event) > cut:
            late.add(customer)
    return max(counts, key=lambda c: (c in late, min(len(channels[c]), 4), -abs(counts[c] - 30), c))


def _instant(event: Event) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])
