"""`csv import-census`: present patients become stays; bad lines wait in quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest

from autarcie.core.models import JournalEntry
from autarcie.mirror.census_csv import CensusError, import_census
from autarcie.mirror.models import Allergy, Inbound, MirrorState, Patient, Stay

pytestmark = pytest.mark.django_db
HEADER = (
    "unit_code,unit_label,room,bed,ipp,nda,family_name,birth_name,given_names,sex,birth_date,"
    "admitted_at,patient_class,status,attending,identity_status,ins,hidden,allergies"
)
ROW_A = (
    "CARD,Cardiologie,12,A,IPP1,NDA1,DUPONT,TESTFICTIF,CAMILLE MARIE,F,1980-01-01,"
    "2026-11-20T09:00+01:00,I,present,FICTIF Jeanne,VALI,280017512345610,0,Pénicilline;Iode"
)
ROW_B = (
    "PNEU,Pneumologie,3,B,IPP2,NDA2,ESSAI,ESSAI,PAUL,M,1975-06-15,"
    "2026-11-21T10:30+01:00,I,leave,FICTIF Jeanne,PROV~CACH,,1,"
)


def _census(tmp_path: Path, *rows: str, name: str = "census.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_present_patients_become_admitted_stays_with_their_bed(tmp_path: Path) -> None:
    summary = import_census(_census(tmp_path, ROW_A, ROW_B), "999000017")
    assert (summary.applied, summary.rejected) == (2, 0)
    stay = Stay.objects.get(rkey="999000017|NDA1")
    assert (stay.status, stay.unit_code, stay.room, stay.bed) == ("admitted", "CARD", "12", "A")
    assert stay.admitted_at is not None and stay.admitted_at.hour == 8  # stored in UTC
    assert Stay.objects.get(rkey="999000017|NDA2").status == "on_leave"
    camille = Patient.objects.get(rkey="999000017|IPP1")
    assert camille.ins_trusted and camille.used_family == "DUPONT" and camille.given == "CAMILLE"
    assert Patient.objects.get(rkey="999000017|IPP2").hidden
    assert sorted(Allergy.objects.values_list("label", flat=True)) == ["Iode", "Pénicilline"]


def test_bad_lines_are_quarantined_with_line_number_and_reason(tmp_path: Path) -> None:
    broken_date = ROW_B.replace("1975-06-15", "15/06/1975")
    summary = import_census(_census(tmp_path, ROW_A, "too,few,columns", broken_date), "X")
    assert (summary.applied, summary.rejected) == (1, 2)
    bad = {r.error_location: r.reason for r in Inbound.objects.filter(state="quarantined")}
    assert bad == {
        "line 3": "the line does not have the header's columns",
        "line 4": "birth_date is not YYYY-MM-DD",
    }
    kept = Inbound.objects.get(error_location="line 3")
    assert bytes(kept.raw).endswith(b"too,few,columns")


def test_patient_absent_from_a_newer_census_is_not_discharged(tmp_path: Path) -> None:
    import_census(_census(tmp_path, ROW_A, ROW_B), "999000017")
    summary = import_census(_census(tmp_path, ROW_A, name="later.csv"), "999000017")
    assert summary.absent == 1
    assert Stay.objects.get(rkey="999000017|NDA2").status == "on_leave"
    last = JournalEntry.objects.filter(action="feed.imported").order_by("-seq")[0]
    assert last.details["absent_open_stays"] == 1


def test_missing_columns_stop_the_import_before_anything_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("ipp,nda\nIPP1,NDA1\n", encoding="utf-8")
    with pytest.raises(CensusError, match="missing columns unit_code"):
        import_census(path, "X")
    assert Inbound.objects.count() == 0


def test_frozen_mirror_holds_census_lines(tmp_path: Path) -> None:
    MirrorState.objects.create(pk=1, frozen=True, reason="test")
    summary = import_census(_census(tmp_path, ROW_A), "X")
    assert summary.held == 1 and Stay.objects.count() == 0
    assert Inbound.objects.get().state == "held"
