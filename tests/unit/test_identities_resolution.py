"""SPEC 10.1-10.2: merge pointers, persons and held identities, by fixed
examples and properties (arrival order, merge then unmerge)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from journey.identities.resolution import Holding, Persons, held_identities, merge_pointers
from journey.rules.facts import Fact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_positions = itertools.count(1)


def fact(type_: str, customer: str, minutes: int = 0, position: int = 0, **data: Any) -> Fact:
    return Fact(
        position or next(_positions), type_, customer, T0 + timedelta(minutes=minutes), data=data
    )


def merged(customer: str, into: str, minutes: int = 0, position: int = 0) -> Fact:
    return fact("customer.merged", customer, minutes, position, into=into)


def unmerged(customer: str, minutes: int = 0, position: int = 0) -> Fact:
    return fact("customer.unmerged", customer, minutes, position)


def linked(customer: str, kind: str, minutes: int = 0, position: int = 0) -> Fact:
    return fact("identity.linked", customer, minutes, position, kind=kind)


def unlinked(customer: str, kind: str, minutes: int = 0, position: int = 0) -> Fact:
    return fact("identity.unlinked", customer, minutes, position, kind=kind)


def test_a_customer_no_one_merged_is_its_own_person() -> None:
    persons = Persons.from_facts([fact("contact.inbound", "a")])

    assert persons.resolve("a") == "a"
    assert persons.merged_ids("a") == ("a",)


def test_a_chain_of_merges_resolves_to_its_end() -> None:
    persons = Persons.from_facts([merged("a", "b", 1), merged("b", "c", 2)])

    assert [persons.resolve(c) for c in "abc"] == ["c", "c", "c"]
    assert persons.merged_ids("a") == persons.merged_ids("c") == ("a", "b", "c")


def test_a_later_merge_replaces_the_stream_s_pointer() -> None:
    persons = Persons.from_facts([merged("a", "b", 1), merged("a", "c", 2)])

    assert persons.pointers == {"a": "c"}
    assert persons.merged_ids("b") == ("b",)
    assert persons.merged_ids("a") == ("a", "c")


def test_an_unmerge_clears_the_pointer_and_one_without_a_merge_changes_nothing() -> None:
    assert merge_pointers([merged("a", "b", 1), unmerged("a", 2)]) == {}
    assert merge_pointers([unmerged("a", 1), merged("a", "b", 2)]) == {"a": "b"}
    assert merge_pointers([merged("a", "b", 1), unmerged("b", 2)]) == {"a": "b"}


def test_a_merge_that_would_close_a_cycle_is_void() -> None:
    direct = [merged("a", "b", 1), merged("b", "a", 2)]
    longer = [merged("a", "b", 1), merged("b", "c", 2), merged("c", "a", 3)]

    assert merge_pointers(direct) == {"a": "b"}
    assert merge_pointers(longer) == {"a": "b", "b": "c"}
    assert merge_pointers([merged("a", "a", 1)]) == {}


def test_a_void_merge_keeps_the_earlier_pointer_and_a_later_unmerge_clears_that() -> None:
    facts = [merged("b", "c", 1), merged("a", "b", 2), merged("b", "a", 3)]

    assert merge_pointers(facts) == {"a": "b", "b": "c"}
    assert merge_pointers([*facts, unmerged("b", 4)]) == {"a": "b"}


def test_a_merge_void_at_its_instant_stays_void_when_the_cycle_is_later_broken() -> None:
    facts = [merged("a", "b", 1), merged("b", "a", 2), unmerged("a", 3)]

    assert merge_pointers(facts) == {}


def test_into_may_name_a_customer_with_no_events() -> None:
    persons = Persons.from_facts([merged("a", "ghost", 1)])

    assert persons.resolve("a") == "ghost"
    assert persons.merged_ids("ghost") == ("a", "ghost")


def test_a_late_event_is_placed_where_it_occurred() -> None:
    """A merge synced late (higher position, earlier occurred_at) comes first."""
    on_time = merged("b", "a", 5, position=1)
    late = merged("a", "b", 1, position=2)

    assert merge_pointers([on_time, late]) == {"a": "b"}  # b -> a is now the void one
    equal_instants = [merged("b", "a", 1, position=2), merged("a", "b", 1, position=1)]
    assert merge_pointers(equal_instants) == {"a": "b"}  # then position decides


def test_a_stream_holds_an_identity_from_linked_until_a_later_unlinked() -> None:
    link, again = linked("a", "email", 1), linked("a", "email", 2)
    facts = [link, again, linked("a", "phone", 3), linked("b", "email", 4)]
    keys = {f.position: "anna@example.com" for f in facts}
    keys[facts[2].position] = "+79123456789"

    held = held_identities(facts, keys)

    assert held == [
        Holding("email", "anna@example.com", "a", link.occurred_at, link.position),
        Holding("phone", "+79123456789", "a", facts[2].occurred_at, facts[2].position),
        Holding("email", "anna@example.com", "b", facts[3].occurred_at, facts[3].position),
    ]
    drop = unlinked("a", "email", 5)
    assert [
        h.kind
        for h in held_identities([*facts, drop], {**keys, drop.position: "anna@example.com"})
        if h.customer_id == "a"
    ] == ["phone"]


def test_an_unlinked_needs_the_same_kind_and_value_and_a_later_instant() -> None:
    link = linked("a", "email", 5)
    other_value, other_kind, earlier = (
        unlinked("a", "email", 6),
        unlinked("a", "device", 7),
        unlinked("a", "email", 1),
    )
    keys = {
        link.position: "x@y.z",
        other_value.position: "q@y.z",
        other_kind.position: "x@y.z",
        earlier.position: "x@y.z",
    }

    held = held_identities([earlier, link, other_value, other_kind], keys)

    assert [(h.kind, h.key) for h in held] == [("email", "x@y.z")]


def test_an_identity_event_without_a_key_is_found_nowhere() -> None:
    """Its customer was erased: the index lost the key."""
    link = linked("a", "email", 1)

    assert held_identities([link], {}) == []


def test_a_relink_after_an_unlink_starts_a_new_holding() -> None:
    first, drop, second = (
        linked("a", "device", 1),
        unlinked("a", "device", 2),
        linked("a", "device", 3),
    )
    keys = {f.position: "d-1" for f in (first, drop, second)}

    (holding,) = held_identities([second, drop, first], keys)

    assert (holding.linked_at, holding.position) == (second.occurred_at, second.position)


# Properties -----------------------------------------------------------------

CUSTOMERS = ["a", "b", "c", "d"]


@st.composite
def merge_histories(draw: st.DrawFn) -> list[Fact]:
    """Merge facts over a few customers, many at equal instants."""
    facts = []
    for position in range(1, draw(st.integers(0, 12)) + 1):
        customer = draw(st.sampled_from(CUSTOMERS))
        minutes = draw(st.integers(0, 3))
        if draw(st.integers(0, 3)) == 0:
            facts.append(unmerged(customer, minutes, position))
        else:
            facts.append(
                merged(customer, draw(st.sampled_from([*CUSTOMERS, "e"])), minutes, position)
            )
    return facts


@given(merge_histories(), st.randoms())
def test_the_order_facts_are_given_in_does_not_matter(facts: list[Fact], random: Any) -> None:
    shuffled = list(facts)
    random.shuffle(shuffled)

    assert merge_pointers(shuffled) == merge_pointers(facts)


@given(merge_histories())
def test_the_pointers_never_form_a_cycle(facts: list[Fact]) -> None:
    persons = Persons.from_facts(facts)

    for customer in [*CUSTOMERS, "e"]:
        person = persons.resolve(customer)  # terminates
        assert person not in persons.pointers
        assert customer in persons.merged_ids(customer)
        assert all(persons.resolve(other) == person for other in persons.merged_ids(customer))


@given(merge_histories(), st.sampled_from(CUSTOMERS), st.sampled_from([*CUSTOMERS, "e"]))
def test_a_merge_followed_by_an_unmerge_restores_the_resolution(
    facts: list[Fact], customer: str, into: str
) -> None:
    before = Persons.from_facts(facts)
    had_pointer = customer in before.pointers
    after = Persons.from_facts(
        [*facts, merged(customer, into, 10, 100), unmerged(customer, 11, 101)]
    )

    if not had_pointer:
        assert after.pointers == before.pointers
        assert [after.resolve(c) for c in CUSTOMERS] == [before.resolve(c) for c in CUSTOMERS]
    else:  # the unmerge undoes the stream's current merge, whichever it is
        assert after.pointers == {k: v for k, v in before.pointers.items() if k != customer}


@given(merge_histories(), st.lists(st.integers(1, 10**6), min_size=12, max_size=12, unique=True))
def test_positions_only_order_facts_of_equal_instants(
    facts: list[Fact], numbers: list[int]
) -> None:
    """Any renumbering of the positions that keeps their order among facts of
    the same instant changes nothing: only (occurred_at, position) order counts."""
    renumbered: list[Fact] = []
    for instant in {f.occurred_at for f in facts}:
        group = sorted((f for f in facts if f.occurred_at == instant), key=lambda f: f.position)
        new = sorted(numbers.pop() for _ in group)
        renumbered += [f._replace(position=p) for f, p in zip(group, new, strict=True)]

    assert merge_pointers(renumbered) == merge_pointers(facts)
