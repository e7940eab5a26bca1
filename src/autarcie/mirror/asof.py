"""Time travel: the mirror as it had received things by an instant, rebuilt from versions.

"As of T" means receipt time (DESIGN.md): what Autarcie held at T, the state before a
suspected compromise, whatever the messages say about clinical time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from autarcie.mirror.store import load_json

PRESENT = ("admitted", "on_leave")


def latest_states(rtype: str, moment: dt.datetime) -> dict[str, dict[str, Any]]:
    """rkey -> data of the last version of each resource of a type received by ``moment``."""
    at = connection.ops.adapt_datetimefield_value(moment)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rkey, data, deleted FROM ("
            "  SELECT rkey, data, deleted, ROW_NUMBER() OVER "
            "    (PARTITION BY rkey ORDER BY version DESC) AS rn"
            "  FROM mirror_version WHERE rtype = %s AND received_at <= %s"
            ") latest WHERE rn = 1",
            [rtype, at],
        )
        return {rkey: load_json(data) for rkey, data, deleted in cursor.fetchall() if not deleted}


def state_of(rtype: str, rkey: str, moment: dt.datetime) -> dict[str, Any] | None:
    at = connection.ops.adapt_datetimefield_value(moment)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data, deleted FROM mirror_version WHERE rtype = %s AND rkey = %s "
            "AND received_at <= %s ORDER BY version DESC LIMIT 1",
            [rtype, rkey, at],
        )
        row = cursor.fetchone()
    if row is None or row[1]:
        return None
    return load_json(row[0])


@dataclass(frozen=True)
class CensusLine:
    unit_code: str
    room: str
    bed: str
    nda: str
    status: str
    admitted_at: str
    patient: dict[str, Any]
    known_by_movement: bool = False


def census_as_of(moment: dt.datetime, unit_code: str | None = None) -> list[CensusLine]:
    """Present patients (admitted or on leave) as the mirror knew them at ``moment``."""
    stays = latest_states("Stay", moment)
    patients_by_id = _patients_by_id(moment)
    lines = []
    for stay in stays.values():
        if stay.get("status") not in PRESENT:
            continue
        if unit_code and stay.get("unit_code") != unit_code:
            continue
        lines.append(
            CensusLine(
                unit_code=str(stay.get("unit_code", "")),
                room=str(stay.get("room", "")),
                bed=str(stay.get("bed", "")),
                nda=str(stay.get("nda", "")),
                status=str(stay["status"]),
                admitted_at=str(stay.get("admitted_at") or ""),
                patient=patients_by_id.get(int(stay.get("patient_id", 0)), {}),
                known_by_movement=bool(stay.get("known_by_movement")),
            )
        )
    return sorted(lines, key=lambda line: (line.unit_code, line.room, line.bed))


def _patients_by_id(moment: dt.datetime) -> dict[int, dict[str, Any]]:
    """Patient states as of ``moment``, keyed by their projection id (stays refer to it)."""
    states = latest_states("Patient", moment)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, rkey FROM mirror_patient")
        ids = {rkey: int(pk) for pk, rkey in cursor.fetchall()}
    return {ids[rkey]: data for rkey, data in states.items() if rkey in ids}
