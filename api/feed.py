"""The live feed: one LISTEN connection per process (on the events table's
channel, `journey.postgres.reads.CHANNEL`) wakes every
waiting stream when the recorder commits (it NOTIFYs in the same transaction).

Streams never poll: they read what is after their position, then sleep until
the next notification (or a keep-alive interval passes, to send a comment).
The listener reconnects after a lost connection and wakes everyone, so no
commit made meanwhile is missed: streams always re-read from their position.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
from psycopg.sql import SQL, Identifier

from journey.postgres.reads import CHANNEL

log = logging.getLogger(__name__)


class Notifications:
    def __init__(self, conninfo: str):
        self._conninfo = conninfo
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.closing = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="journey-listen")

    async def stop(self) -> None:
        self.closing = True
        self._wake()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def ticket(self) -> asyncio.Event:
        """Take before reading: `wait` then returns at once if a commit came meanwhile."""
        return self._changed

    async def wait(self, ticket: asyncio.Event, timeout: float) -> bool:
        """Sleep until a commit after `ticket` was taken; False when `timeout` passed first."""
        try:
            await asyncio.wait_for(ticket.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _listen(self) -> None:
        while not self.closing:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                ) as conn:
                    await conn.execute(SQL("LISTEN {}").format(Identifier(CHANNEL)))
                    self._wake()
                    async for _ in conn.notifies():
                        self._wake()
            except psycopg.Error as error:
                log.warning("live feed: listener connection lost (%s); reconnecting", error)
                self._wake()
                await asyncio.sleep(1.0)


# The OpenAPI description of `GET /v1/events/stream`'s answer. In OpenAPI 3.1 the
# schema of a `text/event-stream` describes one event as a client parses it: the
# frame's `id` (the position), `event` (the event's type) and `data` (the event,
# JSON, as the feed pages it). The stream's first frame only sets `retry` (in ms)
# and keep-alives are comments: neither is an event.
STREAM_FRAME: dict[str, object] = {
    "type": "object",
    "required": ["id", "event", "data"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "the event's position"},
        "event": {"type": "string", "description": "the event's `type`"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/EventOut"},
            "description": "the event as in `GET /v1/events`",
        },
        "retry": {"type": "integer", "minimum": 0, "description": "reconnect delay, ms"},
    },
    "additionalProperties": False,
}
STREAM_RESPONSE: dict[str, object] = {
    "content": {"text/event-stream": {"schema": STREAM_FRAME}},
    "description": (
        "server-sent events, one per stored event: `id` = its position, "
        "`event` = its type, `data` = the event (JSON); a comment every 15 s of quiet"
    ),
}
