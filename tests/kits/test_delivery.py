"""Getting kits out of the server: the unit's printer (CUPS lp) and an encrypted USB zip."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.core.models import JournalEntry
from autarcie.kits.archive import ArchiveError, encrypted_zip
from autarcie.kits.builder import build_unit
from autarcie.kits.models import KitBuild, PrintStatus
from autarcie.kits.printing import parse_printers, printer_for
from autarcie.kits.scheduler import TickReport, print_build
from autarcie.kits.service import build_from_cli
from tests.factories import PASSWORD
from tests.wards import Ward

pytestmark = pytest.mark.django_db
SECRET = "correct horse battery staple"


def _seven_zip() -> str:
    found = shutil.which("7zz") or shutil.which("7z")
    if found is None:
        pytest.fail("7-Zip is missing: install Debian's 7zip")
    return found


def test_printers_are_configured_per_unit_with_a_default() -> None:
    printers = parse_printers("2010=cardio-laser, *=hall")
    assert printer_for("2010", printers) == "cardio-laser"
    assert printer_for("2020", printers) == "hall"


def test_a_new_kit_goes_to_its_units_printer(ward: Ward, kits_dir: Path, fake_lp: Path) -> None:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    report = TickReport()
    print_build(build, "cardio-laser", report)
    call = (fake_lp / "calls").read_text(encoding="utf-8")
    assert call.startswith("-d cardio-laser -t Kit 2010")
    assert call.strip().endswith(f"{build.folder}/kit-2010.pdf")
    build.refresh_from_db()
    assert build.print_status == PrintStatus.SENT and report.printed == ["2010"]
    assert JournalEntry.objects.filter(action="kit.printed").count() == 1


def test_a_failed_print_job_shows_an_alert_to_the_unit(
    ward: Ward, kits_dir: Path, fake_lp: Path
) -> None:
    (fake_lp / "FAIL").touch()
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    report = TickReport()
    print_build(build, "cardio-laser", report)
    build.refresh_from_db()
    assert build.print_status == PrintStatus.FAILED
    assert "does not exist" in build.print_error and report.print_failures == ["2010"]
    client = Client()
    client.post("/connexion/", {"username": "ide.cardio", "password": PASSWORD})
    page = client.get(reverse("kits:home")).content.decode()
    assert 'role="alert">Impression du kit de l' in page
    assert "unité 2010 en échec sur cardio-laser" in page
    assert JournalEntry.objects.filter(action="kit.print_failed").count() == 1


def test_the_usb_zip_is_aes256_and_opens_with_7zip_and_the_password(
    ward: Ward, tmp_path: Path
) -> None:
    out = tmp_path / "kits"
    archive = tmp_path / "cle.zip"
    code = build_from_cli(
        unit_code="2010", out_dir=out, zip_path=archive, password=SECRET, print_kits=False
    )
    assert code == 0
    build = KitBuild.objects.get()
    listing = subprocess.run(
        [_seven_zip(), "l", "-slt", f"-p{SECRET}", str(archive)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "AES-256" in listing
    target = tmp_path / "opened"
    subprocess.run(
        [_seven_zip(), "x", f"-p{SECRET}", f"-o{target}", str(archive)],
        capture_output=True,
        check=True,
    )
    name = build.file_names()[0]
    opened = target / "2010" / build.build_id / name
    assert opened.read_bytes() == (Path(build.folder) / name).read_bytes()
    wrong = subprocess.run(
        [_seven_zip(), "x", "-pwrong-password", f"-o{tmp_path / 'no'}", str(archive)],
        capture_output=True,
        check=False,
    )
    assert wrong.returncode != 0
    assert SECRET.encode() not in archive.read_bytes()
    assert JournalEntry.objects.filter(action="kit.archived").count() == 1


def test_a_short_password_writes_no_archive(tmp_path: Path) -> None:
    member = tmp_path / "a.pdf"
    member.write_bytes(b"%PDF-1.4")
    with pytest.raises(ArchiveError, match="at least 12"):
        encrypted_zip(tmp_path / "k.zip", tmp_path, [member], "court")
    assert not (tmp_path / "k.zip").exists()
