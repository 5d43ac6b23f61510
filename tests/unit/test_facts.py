"""Decoding stored events into facts: the batch decoder a rebuild uses, and the
one-row decoder built on it, give plain `Fact`s."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from journey.rules.facts import NO_DATA, Fact, fact_from_stored, facts_from_stored
from journey.vocabulary.events import TOPIC_BY_TYPE

INBOUND = TOPIC_BY_TYPE["contact.inbound"]
REPLY = TOPIC_BY_TYPE["reply.outbound"]
SURVEY = TOPIC_BY_TYPE["survey.answered"]


def stored(position: int, topic: str, **body: object) -> tuple[int, str, str, bytes]:
    return (position, "cust-1", topic, orjson.dumps({"timestamp": "2026-03-02T06:15:00Z", **body}))


ROWS = [
    stored(1, INBOUND, channel="chat", case_id="c-1", data={"abandoned": True}, pii=None),
    stored(2, REPLY, channel=None, case_id="c-1", agent_id="a-1", data={}),
    stored(3, SURVEY, data=None),  # no channel, case or agent: absent keys read as None
]


def test_the_one_row_decoder_decodes_any_topic_and_refuses_an_unknown_one() -> None:
    at = datetime(2026, 3, 2, 6, 15, tzinfo=UTC)
    assert [fact_from_stored(*row) for row in ROWS] == [
        Fact(1, "contact.inbound", "cust-1", at, "chat", "c-1", None, {"abandoned": True}),
        Fact(2, "reply.outbound", "cust-1", at, None, "c-1", "a-1", NO_DATA),
        Fact(3, "survey.answered", "cust-1", at),
    ]
    with pytest.raises(KeyError):
        fact_from_stored(4, "cust-1", "journey.events:Unknown", ROWS[0][3])


def test_the_batch_decoder_keeps_only_the_topics_asked_for() -> None:
    assert [f.position for f in facts_from_stored(ROWS, {REPLY})] == [2]


def test_decoded_facts_are_plain_facts() -> None:
    first, second, third = facts_from_stored(ROWS, {INBOUND, REPLY, SURVEY})
    assert type(first) is Fact
    assert first == Fact(
        position=1,
        type="contact.inbound",
        customer_id="cust-1",
        occurred_at=datetime(2026, 3, 2, 6, 15, tzinfo=UTC),
        channel="chat",
        case_id="c-1",
        data={"abandoned": True},
    )
    assert first.is_abandoned_contact
    assert second.agent_id == "a-1" and second.data is NO_DATA
    assert (third.channel, third.case_id, third.agent_id, third.data) == (None, None, None, NO_DATA)
