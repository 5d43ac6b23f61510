"""API keys (SPEC 8): `jk_<key id>_<secret>`; only a SHA-256 of the secret is stored.

Secrets are 32 random bytes, so a fast hash is enough (nothing to brute-force);
comparison is constant-time. Verified keys are cached briefly per process so a
request costs no extra query; a revoked key stops working within `CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psycopg_pool import ConnectionPool

from journey.postgres.fetch import fetch_one

SCOPES = ("events:write", "read", "pii", "audit", "admin")
PREFIX = "jk_"
CACHE_SECONDS = 10.0
CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    name: str
    scopes: frozenset[str]


def parse_scopes(text: str) -> list[str]:
    """`events:write,read` -> the scopes; ValueError naming an unknown one."""
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"unknown scopes {unknown}; choose from {', '.join(SCOPES)}")
    return sorted(set(scopes), key=SCOPES.index)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class ApiKeys:
    def __init__(self, pool: ConnectionPool[Any]):
        self._pool = pool
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    def create(self, name: str, scopes: Iterable[str]) -> str:
        """Store a new key and return it: the only time its secret is seen."""
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO journey_api_keys (key_id, name, scopes, secret_hash) "
                "VALUES (%s, %s, %s, %s)",
                (key_id, name, list(scopes), _hash(secret)),
            )
        return f"{PREFIX}{key_id}_{secret}"

    def authenticate(self, presented: str) -> ApiKey | None:
        """The key's identity and scopes, or None for a malformed, unknown or revoked key."""
        cached = self._cache.get(presented)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found = self._lookup(presented)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[presented] = (time.monotonic() + CACHE_SECONDS, found)
        return found

    def _lookup(self, presented: str) -> ApiKey | None:
        key_id, _, secret = presented.removeprefix(PREFIX).partition("_")
        if not presented.startswith(PREFIX) or not key_id or not secret:
            return None
        row = fetch_one(
            self._pool,
            "SELECT name, scopes, secret_hash FROM journey_api_keys "
            "WHERE key_id = %s AND revoked_at IS NULL",
            (key_id,),
        )
        if row is None or not hmac.compare_digest(bytes(row[2]), _hash(secret)):
            return None
        return ApiKey(key_id, row[0], frozenset(row[1]))
