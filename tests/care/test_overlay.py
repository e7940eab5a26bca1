"""The downtime overlay in chart's census and summary, frozen mirror or not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from autarcie.care import actions
from autarcie.care.models import EntryKind
from autarcie.care.queries import Subject, placements
from autarcie.chart import queries
from autarcie.chart.overlay import DOWNTIME
from autarcie.mirror.actions import freeze
from tests.care.conftest import IDENTITY, CareWard


def _move(care: CareWard, subject: Subject, movement: str, unit: str = "", **where: str) -> None:
    actions.record_entry(
        actor=care.ward.nurse if unit != "2020" else "system:test",
        subject=subject,
        kind=EntryKind.MOVEMENT,
        data={"movement": movement, "unit_code": unit, **where},
    )


def test_mirror_rows_keep_their_origin(care: CareWard) -> None:
    rows = queries.census("2010")
    assert [(r.birth_family, r.origin) for r in rows] == [("LEFÈVRE", "miroir")]


def test_a_temporary_admission_joins_the_census_of_a_frozen_mirror(care: CareWard) -> None:
    freeze(actor="system:test", reason="cyberattaque")
    temp = actions.admit_temporary(
        actor=care.secretary,
        identity={"tempid": care.tempids[0], **IDENTITY},
        unit_code="2010",
        room="14",
        bed="1",
    )
    rows = {r.birth_family: r for r in queries.census("2010")}
    assert rows["LEFÈVRE"].origin == "miroir"
    new = rows["NOUVEAU"]
    assert (new.origin, new.tempid, new.temp_patient_id) == (DOWNTIME, temp.tempid, temp.pk)
    assert (new.room, new.bed, new.ins_status, new.patient_id) == ("14", "1", "provisoire", 0)


def test_a_transfer_moves_a_mirror_patient_to_the_other_census(care: CareWard) -> None:
    _move(care, Subject(patient=care.ward.lefevre), "transfer", "2020", room="09", bed="2")
    assert [r.birth_family for r in queries.census("2010")] == []
    moved = [r for r in queries.census("2020") if r.birth_family == "LEFÈVRE"]
    assert len(moved) == 1
    assert (moved[0].room, moved[0].origin) == ("09", DOWNTIME)


def test_leave_return_and_discharge(care: CareWard) -> None:
    lefevre = Subject(patient=care.ward.lefevre)
    _move(care, lefevre, "leave")
    (row,) = queries.census("2010")
    assert row.on_leave and row.room == "12" and row.origin == DOWNTIME
    _move(care, lefevre, "return")
    (row,) = queries.census("2010")
    assert not row.on_leave
    _move(care, lefevre, "discharge")
    assert queries.census("2010") == []


def test_a_cancelled_movement_no_longer_counts(care: CareWard) -> None:
    _move(care, Subject(patient=care.ward.lefevre), "discharge")
    assert queries.census("2010") == []
    movement = Subject(patient=care.ward.lefevre).entries().get(kind=EntryKind.MOVEMENT)
    actions.correct_entry(
        actor=care.ward.nurse, entry=movement, reason="mauvais patient", cancel=True
    )
    assert [r.birth_family for r in queries.census("2010")] == ["LEFÈVRE"]


def test_the_summary_carries_the_downtime_entries(care: CareWard) -> None:
    actions.record_entry(
        actor=care.ward.nurse,
        subject=Subject(patient=care.ward.lefevre),
        kind=EntryKind.NOTE,
        data={"category": "nursing", "text": "nuit calme"},
    )
    summary = queries.summary(care.ward.lefevre)
    assert [e.data["text"] for e in summary.downtime] == ["nuit calme"]


@pytest.mark.sqlite_only
def test_where_one_patient_is_reads_that_patient_s_movements_not_the_hospital_s(
    care: CareWard,
) -> None:
    lefevre = Subject(patient=care.ward.lefevre)
    _move(care, lefevre, "transfer", "2010", room="12", bed="2")
    with CaptureQueriesContext(connection) as captured:
        placed = placements(subject=Subject(patient=care.ward.lefevre))
    assert placed[lefevre.key].room == "12"
    (sql,) = [q["sql"] for q in captured.captured_queries if "'movement'" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "care_entry_patient_kind" in plan, plan
