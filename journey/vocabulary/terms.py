"""The contract's words (SPEC 2.1-2.2, 10.1): channels, priorities, statuses,
identity kinds, and the envelope's fields. Everything that validates, stores or
reads an event takes its lists from here."""

from __future__ import annotations

CHANNELS = (
    "phone",
    "email",
    "chat",
    "social",
    "messenger",
    "sms",
    "web",
    "mobile_app",
    "in_person",
)
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "pending_customer", "on_hold", "resolved", "closed")
IDENTITY_KINDS = ("phone", "email", "handle", "device")
