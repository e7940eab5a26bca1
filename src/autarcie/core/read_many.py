"""Several read statements in one round trip to PostgreSQL.

A page such as the patient summary reads a handful of tables. On PostgreSQL each statement is
a round trip to another process, and on a busy two-core server that process waits for a core
at every one of them: the waits, not the queries, made the page slow. In pipeline mode the
statements go out together and their results come back together. SQLite has no round trip:
the statements run one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

Statement = tuple[str, Sequence[Any]]


def fetch_many(statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, in order; statements read, they never write."""
    with connection.cursor() as cursor:  # connects, and checks the connection's health
        if connection.vendor != "postgresql":
            found = []
            for sql, params in statements:
                cursor.execute(sql, params)
                found.append(list(cursor.fetchall()))
            return found
        raw = cursor.cursor.connection  # the driver's connection under Django's cursor
        with connection.wrap_database_errors:
            with raw.pipeline():
                cursors = [raw.cursor() for _ in statements]
                for pending, (sql, params) in zip(cursors, statements, strict=True):
                    pending.execute(sql, params)
            # Leaving the pipeline waited for every result.
            return [list(done.fetchall()) for done in cursors]
