"""'Données arrêtées au …': when the mirror last received something it applied."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from autarcie.chart.queries import instant
from autarcie.mirror.models import InboundState, MirrorState
from autarcie.mirror.state import current


def data_as_of(state: MirrorState | None = None) -> dt.datetime | None:
    """Receipt time of the newest applied input; the freeze instant caps it.

    ``state`` is the mirror's freeze state, when the caller has read it already.
    """
    newest = _newest_applied()
    if state is None:
        state = current()
    if state.frozen and state.frozen_at is not None and newest is not None:
        return min(newest, state.frozen_at)
    return newest


def _newest_applied() -> dt.datetime | None:
    # Plain SQL: every viewer page shows this line, and building the ORM's aggregate cost ten
    # times the indexed look-up itself.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(received_at) FROM mirror_inbound WHERE state = %s",
            [InboundState.APPLIED.value],
        )
        row = cursor.fetchone()
    return instant(row[0]) if row else None
