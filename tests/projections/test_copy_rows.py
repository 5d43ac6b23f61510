"""Case rows as the cases projection copies them in: `copy_rows` writes a
`text[]` column from tuples of strings with its own binary encoder
(`TextArrayDumper`), and a case row is a slice of the case state."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.sql import Identifier

from journey.reading.documents import CASE_FIELDS
from journey.rules.cases import CaseState
from journey.runtime import Runtime
from projections.base import copy_rows
from projections.cases import CASE_COLUMNS, CasesProjection
from projections.registry import build, context_for

AGENTS = [(), ("agent-1",), ("agent-2", "agent-1", "ägent/ü"), ("agent-1",), ("",)]


def test_a_text_array_reads_back_as_written(admin: psycopg.Connection[Any]) -> None:
    with admin.transaction():
        admin.execute("CREATE TEMP TABLE copied (n int, agents text[] NOT NULL)")
        with admin.cursor() as curs:
            copy_rows(curs, Identifier("copied"), ("int4", "text[]"), enumerate(AGENTS))
            curs.execute("SELECT agents, cardinality(agents) FROM copied ORDER BY n")
            read = curs.fetchall()
    assert [tuple(agents) for agents, _ in read] == AGENTS
    assert [size for _, size in read] == [len(agents) for agents in AGENTS]


def test_a_case_row_is_the_leading_fields_of_a_case_state(store: Runtime) -> None:
    """`_case_row` slices the state: its first fields must be the table's columns."""
    view = build(CasesProjection, store.datastore, context_for(store)).view
    with store.datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            (view.table_name("main"),),
        )
        columns = tuple(row["column_name"] for row in curs.fetchall())
    assert CaseState._fields[:CASE_COLUMNS] == columns == CASE_FIELDS
