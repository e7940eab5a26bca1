"""Sessions in the database (Django's store), each page's read made with one plain query.

Writes stay Django's: a login, a logout, the last activity every 30 seconds.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        data = self._stored_data()
        if data is None:  # none or expired: a new session, as with Django's store
            self._session_key = None
            return {}
        decoded: dict[str, Any] = self.decode(data)  # a corrupt one decodes empty, logged
        return decoded

    def _stored_data(self) -> str | None:
        """The unexpired session's encoded data, or None."""
        if self.session_key is None:
            return None
        connection = connections[router.db_for_read(Session)]
        quote = connection.ops.quote_name
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {quote(Session._meta.db_table)} "  # noqa: S608
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        return None if row is None else str(row[0])
