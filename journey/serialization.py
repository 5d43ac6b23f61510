"""The library's transcoder, on orjson: compact, key-sorted JSON bytes.

Event states are flat dicts; the only non-JSON value is the library's
`timestamp` (the SPEC's `occurred_at`), revived as an aware datetime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import Transcoder

OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, option=OPTIONS)

    def decode(self, data: bytes) -> Any:
        obj = orjson.loads(data)
        if isinstance(obj, dict) and isinstance(obj.get("timestamp"), str):
            obj["timestamp"] = datetime.fromisoformat(obj["timestamp"])
        return obj
