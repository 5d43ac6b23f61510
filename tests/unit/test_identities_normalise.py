"""SPEC 10.1: the normalised form of each kind of identity, and its keyed hash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journey.identities.normalise import (
    NO_REGION,
    IdentityError,
    Normaliser,
    identity_key,
    normalise_phone,
)

NORMALISED = [
    ("email", "anna@example.com", "anna@example.com"),
    ("email", "  Anna.K@Example.COM\t", "anna.k@example.com"),
    ("email", "noemail@example.com", "noemail@example.com"),
    ("email", "x@b.co", "x@b.co"),
    ("phone", "+7 912 345-67-89", "+79123456789"),
    ("phone", "+1 (202) 555.0143", "+12025550143"),
    ("phone", "+12345678", "+12345678"),  # 8 digits
    ("phone", "+123456789012345", "+123456789012345"),  # 15 digits
    ("phone", "+10000000000", "+10000000000"),
    ("handle", "Telegram:@Anna_K", "telegram:anna_k"),
    ("handle", "telegram:anna_k", "telegram:anna_k"),
    ("handle", "x:@@name", "x:@name"),  # one leading @ dropped
    ("handle", "instagram:a:b", "instagram:a:b"),  # the platform ends at the first colon
    ("device", "Device-ABC 1", "Device-ABC 1"),
    ("device", " d ", " d "),
]

NOT_NORMALISING = [
    ("email", "anna.example.com"),  # no @
    ("email", "a@b@example.com"),  # two @
    ("email", "@example.com"),  # empty local part
    ("email", "anna@localhost"),  # the domain has no dot
    ("email", "  "),
    ("email", "a..b@example.com"),  # email-validator's syntax
    ("email", "anna@.com"),
    ("phone", "+1234567"),  # 7 digits
    ("phone", "+1234567890123456"),  # 16 digits
    ("phone", "+7 912 345 67 89 ext 1"),
    ("phone", "+7/912/3456789"),  # only spaces, - . ( ) are removed
    ("phone", "+7\t9123456789"),
    ("phone", "+٧٩١٢٣٤٥٦٧٨٩"),  # digits, but not ASCII ones
    ("phone", "8 912 345-67-89"),  # no + and no region
    ("phone", ""),
    ("handle", "anna_k"),  # no platform
    ("handle", ":anna"),
    ("handle", "telegram:"),
    ("handle", "telegram:@"),
    ("device", ""),
    ("fax", "123"),
]


@pytest.mark.parametrize(("kind", "value", "expected"), NORMALISED)
def test_an_identity_is_compared_in_its_normalised_form(
    kind: str, value: str, expected: str
) -> None:
    assert NO_REGION.normalise(kind, value) == expected


@pytest.mark.parametrize(("kind", "value"), NOT_NORMALISING)
def test_a_value_that_does_not_normalise_is_refused(kind: str, value: str) -> None:
    with pytest.raises(IdentityError):
        NO_REGION.normalise(kind, value)


def test_a_phone_without_plus_is_parsed_by_the_configured_regions_rules() -> None:
    russia, germany = Normaliser("RU"), Normaliser("DE")

    assert russia.normalise("phone", "8 (912) 345-67-89") == "+79123456789"
    assert russia.normalise("phone", "912 345 67 89") == "+79123456789"
    assert germany.normalise("phone", "030 1234567") == "+49301234567"
    assert germany.normalise("phone", "00 49 30 1234567") == "+49301234567"
    assert russia.normalise("phone", "+1 202 555 0143") == "+12025550143"  # + needs no region


def test_a_phone_without_plus_that_the_region_cannot_read_is_refused() -> None:
    us = Normaliser("US")
    for value in ("abc", "12", "202-555-0143 ext. 12"):
        with pytest.raises(IdentityError):
            us.normalise("phone", value)


def test_an_unknown_region_is_refused_when_the_normaliser_is_made() -> None:
    with pytest.raises(ValueError, match="ZZ"):
        Normaliser("ZZ")


def test_a_refusal_does_not_repeat_the_personal_value() -> None:
    with pytest.raises(IdentityError) as raised:
        NO_REGION.normalise("email", "secret-person@nowhere")
    assert "secret-person" not in str(raised.value)


@given(st.text(alphabet=" -.()0123456789+", max_size=30))
def test_a_normalised_phone_is_plus_and_8_to_15_digits_and_normalises_to_itself(value: str) -> None:
    try:
        normalised = normalise_phone(value)
    except IdentityError:
        digits = value.translate(str.maketrans("", "", " -.()"))
        assert not (digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) - 1 <= 15)
        return
    assert normalised[0] == "+" and normalised[1:].isdigit() and 8 <= len(normalised) - 1 <= 15
    assert normalise_phone(normalised) == normalised


@given(st.sampled_from(["email", "handle", "device"]), st.text(max_size=40))
def test_normalising_twice_changes_nothing(kind: str, value: str) -> None:
    try:
        once = NO_REGION.normalise(kind, value)
    except IdentityError:
        return
    assert NO_REGION.normalise(kind, once) == once


def test_the_keyed_hash_is_equal_for_equal_identities_only_and_depends_on_the_secret() -> None:
    key = identity_key(b"s" * 32, "email", "anna@example.com")

    assert key == identity_key(b"s" * 32, "email", "anna@example.com")
    assert key != identity_key(b"s" * 32, "device", "anna@example.com")
    assert key != identity_key(b"t" * 32, "email", "anna@example.com")
    assert "anna" not in key
