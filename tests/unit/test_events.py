"""The ingestion hot path encodes events exactly as the library's mapper would."""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.persistence import Mapper

from journey.events import EVENT_CLASSES, TYPE_BY_TOPIC, stored_event
from journey.serialization import OrjsonTranscoder
from journey.validation import ValidEvent, validate_event
from tests.factories import event

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_stored_event_equals_the_mappers_encoding_and_decodes_back() -> None:
    mapper: Mapper[str] = Mapper(transcoder=OrjsonTranscoder())
    valid = validate_event(
        event("reply.outbound", occurred_at="2026-03-02T11:00:00.25+01:00"), 0, NOW
    )
    assert isinstance(valid, ValidEvent)
    sealed = {"fields": ["body"], "sealed": "AAAA"}
    stored = stored_event(valid, sealed)
    domain_event = EVENT_CLASSES[valid.type](
        originator_id=valid.customer_id,
        originator_version=0,
        timestamp=valid.occurred_at,
        id=valid.id,
        channel=valid.channel,
        case_id=valid.case_id,
        agent_id=valid.agent_id,
        data=valid.data,
        pii=sealed,
    )
    assert stored == mapper.to_stored_event(domain_event)
    assert mapper.to_domain_event(stored) == domain_event
    assert TYPE_BY_TOPIC[stored.topic] == "reply.outbound"
