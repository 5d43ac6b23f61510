"""The ingestion hot path encodes events exactly as the library's mapper would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from journey.ingest.validation import validate_event
from journey.vocabulary.envelope import ValidEvent
from journey.vocabulary.events import EVENT_CLASSES, TOPIC_BY_TYPE, TYPE_BY_TOPIC, stored_state
from journey.vocabulary.serialization import OrjsonTranscoder
from tests.factories import valid_events

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@given(valid_events(), st.booleans())
def test_a_stored_event_equals_the_mappers_encoding_and_decodes_back(
    raw: dict[str, Any], sealed_pii: bool
) -> None:
    mapper: Mapper[str] = Mapper(transcoder=OrjsonTranscoder())
    valid = validate_event(raw, 0, NOW)
    assert isinstance(valid, ValidEvent)
    sealed = {"fields": ["body", "näme"], "sealed": "AAAA"} if sealed_pii else None
    stored = StoredEvent(
        valid.customer_id, 0, TOPIC_BY_TYPE[valid.type], stored_state(valid, sealed)
    )
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
    assert TYPE_BY_TOPIC[stored.topic] == raw["type"]
