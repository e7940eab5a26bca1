"""RPU daily files and ROR DispoLits updates of the downtime; `autarcie rpu check`."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.parameters import Parameters

from autarcie.care.models import BedReport, CareEntry
from autarcie.cli import main
from autarcie.recovery.exports import ExportError
from autarcie.recovery.files import export_ror, export_rpu
from autarcie.recovery.models import ExportRecord, Status
from autarcie.recovery.rpu import check_file, read_rpu_file
from tests.recovery.rpu_samples import SAMPLE
from tests.recovery_db.conftest import FINESS

PARIS = ZoneInfo("Europe/Paris")


def _days() -> tuple[dt.date, dt.date]:
    entries = [
        dt.datetime.fromisoformat(e.data["entry"]).astimezone(PARIS).date()
        for e in CareEntry.objects.filter(kind="passage")
    ]
    return min(entries), max(entries)


def test_rpu_files_cover_every_passage_and_pass_every_check(downtime: None, tmp_path: Path) -> None:
    first, last = _days()
    summary = export_rpu(actor="system:test", first=first, last=last, out=tmp_path)
    assert summary.selected == CareEntry.objects.filter(kind="passage").count() == 6
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(summary.files)
    assert len(names) == (last - first).days + 1
    total = 0
    for path in tmp_path.iterdir():
        assert path.name.startswith(f"O{FINESS}_0_") and path.suffix == ".xml"
        data = path.read_bytes()
        assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
        report = check_file(data)
        assert report.ok and report.passes_xsd, report.issues
        total += len(read_rpu_file(data).passages)
    assert total == 6
    assert ExportRecord.objects.filter(channel="rpu", status=Status.ACKNOWLEDGED).count() == 6
    again = export_rpu(actor="system:test", first=first, last=last, out=tmp_path / "again")
    assert again.selected == 0 and not (tmp_path / "again").exists()


def test_rpu_export_without_finess_is_refused_and_writes_nothing(
    downtime: None, tmp_path: Path, settings: pytest.FixtureRequest
) -> None:
    settings.FINESS = ""  # type: ignore[attr-defined]
    first, last = _days()
    with pytest.raises(ExportError, match="FINESS"):
        export_rpu(actor="system:test", first=first, last=last, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    assert not ExportRecord.objects.exists()


def test_ror_updates_are_valid_parameters_one_per_bed_statement(
    downtime: None, tmp_path: Path
) -> None:
    summary = export_ror(actor="system:test", out=tmp_path)
    reports = BedReport.objects.count()
    assert summary.selected == reports > 0
    bodies = sorted(tmp_path.glob("*.json"))
    assert len(bodies) == reports
    for path in bodies:
        data = json.loads(path.read_text(encoding="utf-8"))
        Parameters.model_validate(data)
        statuses = [
            op["part"][2]["part"][2]["part"][1]["valueCodeableConcept"]["coding"][0]["code"]
            for op in data["parameter"]
        ]
        assert statuses == ["01", "02", "03", "05"]
    (table,) = tmp_path.glob("*.csv")
    assert table.read_bytes().startswith("\ufeff".encode())  # French Excel reads it as UTF-8
    rows = list(csv.reader(table.open(encoding="utf-8-sig"), delimiter=";"))
    assert rows[0][0] == "finess" and len(rows) == reports + 1
    assert export_ror(actor="system:test", out=tmp_path / "again").selected == 0


def test_rpu_check_reads_files_of_other_producers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.xml"
    other.write_bytes(SAMPLE.read_bytes().replace(b"999999999", FINESS.encode()))
    assert main(["rpu", "check", str(other)]) == 0
    broken = tmp_path / "broken.xml"
    broken.write_bytes(other.read_bytes().replace(b"<SEXE>", b"<SEXE>X", 1))
    assert main(["rpu", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "broken.xml" in out
