"""The eventsourcing library's own recorder test cases, run against the store's
recorder: the reference for ordering, gap-free notification ids and subscriptions."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
)
from psycopg.sql import SQL, Identifier

from journey.postgres.database import ConnectionParams
from journey.postgres.recorder import JourneyRecorder

TABLE = "library_case_events"


@pytest.fixture(autouse=True, scope="class")
def _database(request: pytest.FixtureRequest, database_url: str) -> None:
    request.cls.params = ConnectionParams.from_url(database_url)


class _JourneyRecorderCase:
    params: ConnectionParams

    def setUp(self) -> None:
        p = self.params
        self.datastore = PostgresDatastore(
            p.dbname, p.host, p.port, p.user, p.password, originator_id_type="text", pool_size=12
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
    def test_performance(self) -> None:
        """The library's timing printout; the store's speed is measured in bench/."""

    def test_concurrent_throughput(self) -> None:
        """The library's timing printout; the store's speed is measured in bench/."""


class TestJourneyRecorderNeverInterleavesIds(
    _JourneyRecorderCase, NonInterleavingNotificationIDsBaseCase
):
    pass
