"""A query's rows on a connection of a pool, as tuples: the connection-and-fetch
that every pool-backed reader would otherwise write out again."""

from __future__ import annotations

from typing import Any

from psycopg.rows import tuple_row
from psycopg.sql import Composable
from psycopg_pool import ConnectionPool

Query = str | Composable


def fetch_all(
    pool: ConnectionPool[Any], query: Query, params: Any = (), *, binary: bool = False
) -> list[tuple[Any, ...]]:
    """The rows of one query, as tuples, on a connection of the pool."""
    with pool.connection() as conn:
        rows: list[tuple[Any, ...]] = (
            conn.cursor(row_factory=tuple_row).execute(query, params, binary=binary).fetchall()
        )
        return rows


def fetch_one(pool: ConnectionPool[Any], query: Query, params: Any = ()) -> tuple[Any, ...] | None:
    """The first row of one query, as a tuple, on a connection of the pool."""
    with pool.connection() as conn:
        row: tuple[Any, ...] | None = (
            conn.cursor(row_factory=tuple_row).execute(query, params).fetchone()
        )
        return row
