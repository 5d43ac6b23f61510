"""The eventsourcing library's own recorder test cases, run against the store's
recorder: the reference for ordering, gap-free notification ids and subscriptions.
A downstream eventsourcing application follows the store with these very calls,
so the store's own write path (`append`) is held to them too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from unittest import TestCase
from uuid import uuid4

import pytest
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
)
from psycopg.sql import SQL, Identifier

from journey.postgres.database import ConnectionParams
from journey.postgres.recorder import JourneyRecorder
from journey.stored.rows import NewEvent, new_event

TABLE = "library_case_events"
NOTIFIED_WITHIN = 5.0  # seconds


@pytest.fixture(autouse=True, scope="class")
def _database(request: pytest.FixtureRequest, database_url: str) -> None:
    request.cls.params = ConnectionParams.from_url(database_url)


class _JourneyRecorderCase:
    params: ConnectionParams
    pool_size = 12

    def setUp(self) -> None:
        p = self.params
        self.datastore = PostgresDatastore(
            p.dbname,
            p.host,
            p.port,
            p.user,
            p.password,
            originator_id_type="text",
            pool_size=self.pool_size,
        )
        self._drop()

    def tearDown(self) -> None:
        self._drop()
        self.datastore.close()

    def _drop(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {}").format(Identifier(TABLE)))

    def new_originator_id(self) -> str:
        return str(uuid4())

    def create_recorder(self) -> JourneyRecorder:
        recorder = JourneyRecorder(self.datastore, events_table_name=TABLE)
        recorder.create_table()
        return recorder


class TestJourneyRecorderAgainstLibraryCases(
    _JourneyRecorderCase, ApplicationRecorderTestCase[JourneyRecorder]
):
    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestJourneyRecorderNeverInterleavesIds(
    _JourneyRecorderCase, NonInterleavingNotificationIDsBaseCase
):
    pass


class TestStoreWritePathKeepsTheLibraryContract(_JourneyRecorderCase, TestCase):
    """`append`, the store's own path, on a pool of two connections: both are
    handed back to the pool as they were taken, so the library's `subscribe`
    (a LISTEN on a pooled connection) hears the next commit."""

    pool_size = 2

    def test_append_returns_connections_in_their_autocommit_mode(self) -> None:
        recorder = self.create_recorder()
        before = self._autocommit_of_every_pooled_connection()

        recorder.append([self._event(self.new_originator_id())])
        recorder.append([self._event(self.new_originator_id()) for _ in range(3)])

        assert before == [True, True]
        assert self._autocommit_of_every_pooled_connection() == before

    def test_subscribe_hears_an_append_within_five_seconds(self) -> None:
        recorder = self.create_recorder()
        first = recorder.append([self._event(self.new_originator_id())])[0].position

        with ThreadPoolExecutor(1) as pool, recorder.subscribe(gt=first) as subscription:
            heard = pool.submit(next, subscription)
            customer = self.new_originator_id()
            recorder.append([self._event(customer)])
            try:
                notification: Notification = heard.result(timeout=NOTIFIED_WITHIN)
            finally:
                subscription.stop()

        assert (notification.id, notification.originator_id) == (first + 1, customer)

    def _autocommit_of_every_pooled_connection(self) -> list[bool]:
        with ExitStack() as stack:
            connections = [
                stack.enter_context(self.datastore.get_connection()) for _ in range(self.pool_size)
            ]
            return [conn.autocommit for conn in connections]

    def _event(self, customer: str) -> NewEvent:
        stored = StoredEvent(customer, 1, "topic", b"state")
        return new_event(stored, event_id=str(uuid4()))
