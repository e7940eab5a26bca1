"""Several read statements in one round trip to PostgreSQL.

A page such as the patient summary reads a handful of tables. On PostgreSQL each statement is
a round trip to another process, and on a busy two-core server that process waits for a core
at every one of them: the waits, not the queries, made the page slow. In pipeline mode the
statements go out together and their results come back together. SQLite has no round trip:
the statements run one after the other.

Inside a transaction the statements are part of it; the first statement of a transaction takes
its ``BEGIN`` along in the same round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

Statement = tuple[str, Sequence[Any]]


def queries_watched() -> bool:
    """Whether Django watches each statement (debug logging, tests counting queries).

    They see statements only through Django's cursor, one at a time: pipelining is then off.
    """
    return bool(connection.queries_logged or connection.execute_wrappers)


def fetch_many(statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, in order (none for a statement that returns no rows)."""
    with connection.cursor() as cursor:  # connects, and checks the connection's health
        if connection.vendor != "postgresql" or queries_watched():
            found = []
            for sql, params in statements:
                cursor.execute(sql, params)
                found.append(list(cursor.fetchall()) if cursor.description else [])
            return found
        raw = cursor.cursor.connection  # the driver's connection under Django's cursor
        with connection.wrap_database_errors:
            with raw.pipeline():
                cursors = [raw.cursor() for _ in statements]
                for pending, (sql, params) in zip(cursors, statements, strict=True):
                    pending.execute(sql, params)
            # Leaving the pipeline waited for every result.
            return [list(done.fetchall()) if done.description else [] for done in cursors]
