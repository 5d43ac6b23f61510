"""SPEC 10.1: the normalised form an identity is compared in, and its keyed hash.

`Normaliser(phone_region).normalise(kind, value)` answers the normalised form
or raises `IdentityError` saying why the value does not normalise. The form is
for comparison only: the client's own value is what `pii.value` stores.

| kind   | normalised form |
|--------|-----------------|
| email  | trimmed, lower-cased; exactly one `@`, a non-empty local part, a domain with a dot; and a valid address by `email-validator`'s syntax rules (no DNS) |
| phone  | `+` and 8-15 digits once spaces, `-`, `.`, `(`, `)` are removed; without `+`, only with a region: parsed by libphonenumber's rules for it, written in E.164 |
| handle | `platform:name`, both non-empty, lower-cased, one leading `@` of the name dropped |
| device | the value itself (compared exactly; never empty) |
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from journey.vocabulary.terms import IDENTITY_KINDS

MAX_IDENTITY_CHARS = 256  # SPEC 10.1: `pii.value` of an identity event
_PHONE_PUNCTUATION = str.maketrans("", "", " -.()")
_INTERNATIONAL = re.compile(r"\+[0-9]{8,15}")


class IdentityError(ValueError):
    """The value does not normalise; the message says why (without repeating it:
    it is personal data)."""


@dataclass(frozen=True, slots=True)
class Normaliser:
    """Normalises identities (SPEC 10.1); `phone_region` is the configured ISO
    3166 region for phone numbers given without `+` (SPEC 9
    `JOURNEY_PHONE_REGION`), None: such numbers are rejected."""

    phone_region: str | None = None

    def __post_init__(self) -> None:
        if self.phone_region is not None:
            check_region(self.phone_region)

    def normalise(self, kind: str, value: str) -> str:
        """`value` of identity `kind` in its normalised form, or `IdentityError`."""
        if kind == "email":
            return normalise_email(value)
        if kind == "phone":
            return normalise_phone(value, self.phone_region)
        if kind == "handle":
            return normalise_handle(value)
        if kind == "device":
            return normalise_device(value)
        raise IdentityError(f"unknown identity kind {kind!r} (expected one of {IDENTITY_KINDS})")


NO_REGION = Normaliser()


def check_region(region: str) -> str:
    """`region` when libphonenumber knows it as an ISO 3166 region code (upper case)."""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {region!r} (expected an ISO 3166 code such as DE)")
    return region


def normalise_email(value: str) -> str:
    address = value.strip().lower()
    local, at, domain = address.partition("@")
    if not at or "@" in domain:
        raise IdentityError("an e-mail address needs exactly one @")
    if not local:
        raise IdentityError("an e-mail address needs a local part before the @")
    if "." not in domain:
        raise IdentityError("an e-mail address needs a domain containing a dot")
    try:
        validate_email(address, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as error:
        raise IdentityError(f"not a valid e-mail address: {error}") from None
    return address


def normalise_phone(value: str, region: str | None = None) -> str:
    compact = value.translate(_PHONE_PUNCTUATION)
    if compact.startswith("+"):
        if not _INTERNATIONAL.fullmatch(compact):
            raise IdentityError(
                "a phone number must be + and 8-15 digits (spaces, -, ., ( and ) aside)"
            )
        return compact
    if region is None:
        raise IdentityError("a phone number must start with + (no default region is configured)")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise IdentityError(f"not a phone number for region {region}: {error}") from None
    if number.extension:
        raise IdentityError("a phone number with an extension has no international form")
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not _INTERNATIONAL.fullmatch(international):
        raise IdentityError(f"not a phone number for region {region}: not 8-15 digits")
    return international


def normalise_handle(value: str) -> str:
    platform, colon, name = value.lower().partition(":")
    name = name.removeprefix("@")
    if not colon or not platform or not name:
        raise IdentityError("a handle must be platform:name, both non-empty")
    return f"{platform}:{name}"


def normalise_device(value: str) -> str:
    if not value:
        raise IdentityError("a device identity must not be empty")
    return value


def identity_key(secret: bytes, kind: str, normalised: str) -> str:
    """The keyed hash the identity index stores instead of the value (SPEC 10.1):
    equal for equal (kind, normalised value), unreadable without `secret`."""
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
