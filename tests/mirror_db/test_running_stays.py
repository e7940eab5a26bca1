"""Stays already running when the feed starts: a movement of a stay never admitted in the
mirror makes it present where the message says, flagged "séjour connu par mouvement"."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from autarcie.chart import queries
from autarcie.cli import main
from autarcie.mirror.census_csv import import_census
from autarcie.mirror.models import Movement, Patient, Stay
from tests.mirror_db.builders import AUTH, adt
from tests.mirror_db.conftest import T0, feed, messages

pytestmark = pytest.mark.django_db

SEQUENCE = "pamfr_sequence_A01_A02_A12_Z99_A03.hl7"
# How the mirror keys the builders' authorities: the HD's universal id (the OID).
NDA_AUTHORITY = AUTH.split("&")[1]
PARIS_0800 = dt.datetime(2025, 1, 10, 7, 0, tzinfo=dt.UTC)  # PV1-44 20250110080000, Paris time


def _stay() -> Stay:
    return Stay.objects.get()


def _later(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_transfer_of_a_stay_never_admitted_makes_it_present_where_it_goes() -> None:
    transfer = messages(SEQUENCE)[1]  # the A02 alone: its A01 was sent before the feed began
    assert [o.code for o in feed([transfer])] == ["AA"]
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.room, stay.bed) == ("admitted", "2020", "05", "2")
    assert stay.source == "by_movement"
    assert stay.admitted_at == PARIS_0800  # from PV1-44, as the message states it
    row = queries.census("2020")[0]
    assert row.known_by_movement and row.patient_id == stay.patient_id
    summary = queries.summary(Patient.objects.get())
    assert summary.stay is not None and summary.stay.known_by_movement


def test_flag_is_visible_in_time_travel_too() -> None:
    feed([messages(SEQUENCE)[1]])
    (row,) = queries.census_as_of("2020", T0)
    assert row.known_by_movement


def test_leave_then_return_of_a_stay_never_admitted() -> None:
    feed([adt("A21", "L1", movement="LEAVE1", unit="3010", room="7", bed="2")])
    away = _stay()
    assert (away.status, away.unit_code, away.source) == ("on_leave", "3010", "by_movement")
    assert queries.census("3010")[0].on_leave
    back = adt("A22", "L2", movement="BACK1", unit="3010", room="7", bed="2", start="20250111")
    feed([back], at=_later(5))
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.source) == ("admitted", "3010", "by_movement")
    assert queries.census("3010")[0].known_by_movement


def test_cancelled_discharge_of_a_stay_never_admitted_leaves_the_patient_in() -> None:
    cancel = adt("A13", "C1", movement="OUT1", action="CANCEL", original="A03", unit="4410")
    assert [o.code for o in feed([cancel])] == ["AA"]
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.source) == ("admitted", "4410", "by_movement")
    assert stay.discharged_at is None
    assert [r.patient_id for r in queries.census("4410")] == [stay.patient_id]


@pytest.mark.parametrize(
    ("trigger", "action", "original"),
    [("A54", "INSERT", ""), ("A55", "CANCEL", "A54"), ("Z99", "UPDATE", "A02")],
)
def test_attending_change_or_correction_of_an_unknown_stay_makes_it_present(
    trigger: str, action: str, original: str
) -> None:
    raw = adt(trigger, "D1", movement="DOC1", action=action, original=original, unit="2010")
    assert [o.code for o in feed([raw])] == ["AA"]
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.source) == ("admitted", "2010", "by_movement")


def test_admission_received_late_clears_the_flag() -> None:
    feed([adt("A02", "T1", movement="MV2", unit="2020", start="20250112140000")])
    feed([adt("A01", "T0", movement="MV1", unit="2010", start="20250110080000")], at=_later(5))
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.source) == ("admitted", "2020", "movements")
    assert stay.admitted_at == PARIS_0800
    assert not queries.census("2020")[0].known_by_movement


def test_cancelled_admission_alone_still_cancels_the_stay() -> None:
    feed([adt("A11", "X1", movement="MV1", action="CANCEL", original="A01")])
    assert _stay().status == "cancelled"


HEADER = (
    "unit_code,room,bed,ipp,nda,birth_name,given_names,sex,birth_date,admitted_at,status,attending"
)


def _census_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "census.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_census_sets_the_present_state_of_a_stay_with_movements(tmp_path: Path) -> None:
    feed([adt("A01", "M1", movement="MV1", unit="2010", room="12", bed="1")])
    row = "3010,7,2,IPP001,NDA001,DUPONT,JEANNE,F,1950-03-12,2025-01-10T08:00+01:00,present,"
    summary = import_census(_census_file(tmp_path, row), NDA_AUTHORITY)
    assert summary.applied == 1
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.room, stay.bed) == ("admitted", "3010", "7", "2")
    assert stay.source == "movements"  # its admission was received
    assert Movement.objects.filter(kind="census").count() == 1
    # A movement after the census still applies on top of it.
    later = adt("A21", "M2", movement="MV2", unit="3010", room="7", bed="2", start="20270101100000")
    feed([later], at=_later(10))
    assert _stay().status == "on_leave"


def test_census_reopens_a_stay_the_movements_left_discharged(tmp_path: Path) -> None:
    feed([adt("A01", "M1", movement="MV1"), adt("A03", "M2", movement="MV2", start="20250111")])
    assert _stay().status == "discharged"
    row = "2010,12,1,IPP001,NDA001,DUPONT,JEANNE,F,1950-03-12,2025-01-10T08:00+01:00,leave,"
    import_census(_census_file(tmp_path, row), NDA_AUTHORITY)
    stay = _stay()
    assert (stay.status, stay.discharged_at) == ("on_leave", None)


IPP_HD = "GHT-TEST&1.2.250.1.999.7&ISO"
IPP_AUTHORITY = "1.2.250.1.999.7"


def test_census_keys_ipp_and_nda_with_their_own_authorities(tmp_path: Path) -> None:
    # The HIS assigns the IPP in the GHT's domain and the NDA in the establishment's.
    raw = adt("A01", "G1", ipp="IPP9", nda="NDA9", movement="MV1", unit="2010")
    raw = raw.replace(f"IPP9^^^{AUTH}^PI".encode(), f"IPP9^^^{IPP_HD}^PI".encode())
    feed([raw])
    assert Patient.objects.get().rkey == f"{IPP_AUTHORITY}|IPP9"
    assert _stay().rkey == f"{NDA_AUTHORITY}|NDA9"
    row = "2020,5,1,IPP9,NDA9,DUPONT,JEANNE,F,1950-03-12,2025-01-10T08:00+01:00,present,"
    summary = import_census(_census_file(tmp_path, row), IPP_AUTHORITY, NDA_AUTHORITY)
    assert (summary.applied, summary.absent) == (1, 0)
    assert Patient.objects.count() == 1 and Stay.objects.count() == 1
    assert _stay().unit_code == "2020"


def test_census_command_takes_the_nda_authority_of_the_stays_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = adt("A01", "G1", ipp="IPP9", nda="NDA9", movement="MV1", unit="2010")
    feed([raw.replace(f"IPP9^^^{AUTH}^PI".encode(), f"IPP9^^^{IPP_HD}^PI".encode())])
    # The command starts Django on a data directory; the test database is already configured.
    (tmp_path / "secret_key").write_text("x" * 50, encoding="ascii")
    monkeypatch.setenv("AUTARCIE_DATA_DIR", os.environ["AUTARCIE_DATA_DIR"])
    row = "2020,5,1,IPP9,NDA9,DUPONT,JEANNE,F,1950-03-12,2025-01-10T08:00+01:00,present,"
    census = _census_file(tmp_path, row)
    args = ["csv", "import-census", str(census), "--ipp-authority", IPP_AUTHORITY]
    assert main([*args, "--data-dir", str(tmp_path)]) == 0
    assert "1 applied" in capsys.readouterr().out
    assert Patient.objects.count() == 1 and Stay.objects.count() == 1
    assert _stay().unit_code == "2020"


def test_stay_first_stated_by_a_census_is_not_flagged_when_movements_follow(
    tmp_path: Path,
) -> None:
    row = "2010,12,1,IPP001,NDA001,DUPONT,JEANNE,F,1950-03-12,2025-01-09T10:00+01:00,present,"
    import_census(_census_file(tmp_path, row), NDA_AUTHORITY)
    assert _stay().source == "snapshot"
    feed([adt("A02", "T1", movement="MV2", unit="2020", start="20250112140000")])
    feed([adt("A21", "T2", movement="MV3", unit="2020", start="20250113140000")], at=_later(5))
    stay = _stay()
    assert (stay.status, stay.unit_code, stay.source) == ("on_leave", "2020", "movements")
    assert stay.admitted_at == dt.datetime(2025, 1, 9, 9, 0, tzinfo=dt.UTC)  # the census's
