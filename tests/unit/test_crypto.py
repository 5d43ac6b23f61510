"""The content digest is HMAC-SHA256 under the data key: stored digests depend on it."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journey.stored.crypto import ContentDigest


@given(key=st.binary(max_size=64), messages=st.lists(st.binary(max_size=300), max_size=3))
def test_the_content_digest_is_hmac_sha256(key: bytes, messages: list[bytes]) -> None:
    digest = ContentDigest(key)
    for message in messages:  # one digest object serves many messages
        assert digest(message) == hmac.digest(key, message, hashlib.sha256)


def test_a_key_longer_than_the_block_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than the block"):
        ContentDigest(bytes(65))
