"""'Données arrêtées au …': when the mirror last received something it applied.

It lives in the mirror, beside the freeze state it is capped by, so that every screen showing a
patient can say it: the care screens read the mirror, not the chart.
"""

from __future__ import annotations

import datetime as dt

from autarcie.core.plain_load import by_pk_statement, first_instance
from autarcie.core.read_many import Statement, fetch_many
from autarcie.mirror.models import InboundState, MirrorState
from autarcie.mirror.state import or_default


def data_as_of(state: MirrorState | None = None) -> dt.datetime | None:
    """Receipt time of the newest applied input; the freeze instant caps it.

    ``state`` is the mirror's freeze state, when the caller has read it already.
    """
    if state is None:
        return state_and_data_as_of()[1]
    (rows,) = fetch_many([_NEWEST_APPLIED])
    return _capped(rows, state)


def state_and_data_as_of() -> tuple[MirrorState, dt.datetime | None]:
    """The freeze state and ``data_as_of``, read together (one round trip on PostgreSQL):
    every viewer page shows both."""
    state_rows, newest_rows = fetch_many([by_pk_statement(MirrorState, 1), _NEWEST_APPLIED])
    state = or_default(first_instance(MirrorState, state_rows))
    return state, _capped(newest_rows, state)


# Plain SQL: every viewer page shows this line, and building the ORM's aggregate cost ten times
# the indexed look-up itself.
_NEWEST_APPLIED: Statement = (
    "SELECT MAX(received_at) FROM mirror_inbound WHERE state = %s",
    [InboundState.APPLIED.value],
)


def _instant(value: object) -> dt.datetime | None:
    """A datetime read by plain SQL: PostgreSQL gives it aware, SQLite naive in UTC (or text)."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _capped(newest_rows: list[tuple[object, ...]], state: MirrorState) -> dt.datetime | None:
    newest = _instant(newest_rows[0][0]) if newest_rows else None
    if state.frozen and state.frozen_at is not None and newest is not None:
        return min(newest, state.frozen_at)
    return newest
