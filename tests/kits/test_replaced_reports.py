"""A report the HL7 feed replaced prints in its newest version, marked as such; a cancelled
one is not printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from autarcie.kits.builder import build_unit
from tests.kits.conftest import pdf_text
from tests.mirror_db.conftest import feed, messages
from tests.wards import Ward

pytestmark = pytest.mark.django_db
MDM = "cisis_mdm_T02_T10_T11.hl7"


def _main_sheet(ward: Ward, kits_dir: Path) -> str:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    return pdf_text(Path(build.folder) / build.file_names()[0])


def test_replaced_report_prints_its_new_text_marked_corrected(ward: Ward, kits_dir: Path) -> None:
    assert [o.code for o in feed(messages(MDM)[:2])] == ["AA", "AA"]
    main = _main_sheet(ward, kits_dir)
    assert "Radiographie thoracique, seconde lecture (version corrigée)" in main
    assert "pneumopathie gauche" in main and "basale droite" not in main


def test_cancelled_report_is_not_printed(ward: Ward, kits_dir: Path) -> None:
    assert [o.code for o in feed(messages(MDM))] == ["AA"] * 3
    assert "Radiographie thoracique" not in _main_sheet(ward, kits_dir)
