"""The mirror's freeze state."""

from __future__ import annotations

from django.db import connection

from autarcie.core.plain_load import by_pk
from autarcie.mirror.models import MirrorState


def current() -> MirrorState:
    return or_default(by_pk(MirrorState, 1))  # every viewer page shows it


def or_default(state: MirrorState | None) -> MirrorState:
    """The state as read, or the state of a mirror never frozen (no row yet)."""
    return state if state is not None else MirrorState(pk=1, frozen=False)


def is_frozen() -> bool:
    # Plain SQL: every listener batch asks, and a QuerySet costs more than the query.
    table = connection.ops.quote_name(MirrorState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = 1 AND frozen = %s", [True])  # noqa: S608
        return cursor.fetchone() is not None
