"""SPEC 10.2, 10.4-10.5: duplicate candidates, ignored and shared identities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from journey.identities.candidates import DuplicateGroup, Sharing
from journey.identities.resolution import Holding, Persons

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SWITCHBOARD = ("phone", "+74950000000")
ANNA = ("email", "anna@example.com")
PLACEHOLDER = ("email", "noemail@example.com")


def holding(customer: str, identity: tuple[str, str], position: int) -> Holding:
    kind, key = identity
    return Holding(kind, key, customer, T0 + timedelta(minutes=position), position)


def sharing(
    holdings: list[Holding], pointers: dict[str, str] | None = None, limit: int = 2
) -> Sharing:
    return Sharing.of(holdings, Persons(pointers or {}), ignored={PLACEHOLDER}, shared_limit=limit)


def test_streams_of_different_persons_holding_an_identity_are_duplicate_candidates() -> None:
    found = sharing([holding("b", ANNA, 1), holding("a", ANNA, 2)])

    assert found.duplicate_groups() == [DuplicateGroup("email", "anna@example.com", ("a", "b"))]
    assert found.duplicates_of("a") == ("b",)
    assert found.duplicates_of("b") == ("a",)


def test_streams_of_one_person_holding_an_identity_are_no_candidates() -> None:
    found = sharing([holding("a", ANNA, 1), holding("b", ANNA, 2)], {"a": "b"})

    assert found.duplicate_groups() == []
    assert found.duplicates_of("a") == ()
    assert found.lookup(ANNA).holders == tuple(found.holdings)
    assert found.persons_of(found.lookup(ANNA).holders) == ("b",)


def test_an_ignored_identity_forms_no_group_and_no_lookup_finds_it() -> None:
    found = sharing([holding("a", PLACEHOLDER, 1), holding("b", PLACEHOLDER, 2)])

    assert found.duplicate_groups() == []
    assert found.duplicates_of("a") == ()
    assert found.lookup(PLACEHOLDER).holders == ()
    assert found.lookup(PLACEHOLDER).ignored is True
    assert found.is_flagged(PLACEHOLDER)
    assert [h.identity for h in found.identities_of("a")] == [PLACEHOLDER]  # still listed


def test_an_identity_held_by_more_than_the_limit_of_persons_is_shared() -> None:
    at_limit = sharing([holding("a", SWITCHBOARD, 1), holding("b", SWITCHBOARD, 2)], limit=2)
    over = sharing([holding(c, SWITCHBOARD, i) for i, c in enumerate("abc")], limit=2)

    assert not at_limit.is_shared(SWITCHBOARD) and len(at_limit.duplicate_groups()) == 1
    assert over.is_shared(SWITCHBOARD) and over.is_flagged(SWITCHBOARD)
    assert over.duplicate_groups() == []
    assert over.duplicates_of("a") == ()
    assert over.shared() == [(SWITCHBOARD, 3)]
    lookup = over.lookup(SWITCHBOARD)
    assert (lookup.shared, lookup.ignored, len(lookup.holders)) == (True, False, 3)


def test_persons_not_streams_count_towards_the_limit() -> None:
    holdings = [holding(c, SWITCHBOARD, i) for i, c in enumerate("abc")]

    assert not sharing(holdings, {"a": "b"}, limit=2).is_shared(SWITCHBOARD)


def test_shared_identities_come_most_persons_first_and_ignored_ones_are_not_listed() -> None:
    holdings = [holding(c, SWITCHBOARD, i) for i, c in enumerate("abcd")]
    holdings += [holding(c, ANNA, i) for i, c in enumerate("abc")]
    holdings += [holding(c, PLACEHOLDER, i) for i, c in enumerate("abcde")]

    assert sharing(holdings).shared() == [(SWITCHBOARD, 4), (ANNA, 3)]


def test_groups_are_ordered_by_first_person_then_kind() -> None:
    holdings = [
        holding("c", ("device", "d-1"), 1),
        holding("d", ("device", "d-1"), 2),
        holding("a", ("phone", "+79123456789"), 3),
        holding("b", ("phone", "+79123456789"), 4),
        holding("a", ANNA, 5),
        holding("c", ANNA, 6),
    ]

    groups = sharing(holdings, limit=5).duplicate_groups()

    assert [(g.persons[0], g.kind) for g in groups] == [
        ("a", "email"),
        ("a", "phone"),
        ("c", "device"),
    ]
    assert sharing(holdings, limit=5).duplicates_of("a") == ("b", "c")


def test_a_lookup_lists_holders_by_customer_id_and_the_person_s_identities_span_its_streams() -> (
    None
):
    holdings = [holding("b", ANNA, 1), holding("a", ANNA, 2), holding("c", SWITCHBOARD, 3)]
    found = sharing(holdings, {"c": "a"}, limit=5)

    assert [h.customer_id for h in found.lookup(ANNA).holders] == ["a", "b"]
    assert found.lookup(("email", "nobody@example.com")) == ((), False, False)
    assert [(h.customer_id, h.kind) for h in found.identities_of("c")] == [
        ("a", "email"),
        ("c", "phone"),
    ]
