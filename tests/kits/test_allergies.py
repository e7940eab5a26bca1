"""Allergies in the printed kit, read back from the PDF: one entry per allergy whatever the feeds
that sent it, French labels, and "aucune allergie connue" only when a feed said so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autarcie.kits.builder import build_unit
from tests.allergy_feeds import feed_lefevre_both_ways, fhir_import, no_known_allergy_fhir
from tests.kits.conftest import pdf_text
from tests.wards import Ward

pytestmark = pytest.mark.django_db


def _kit_text(ward: Ward, kits_dir: Path) -> str:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    return " ".join(pdf_text(Path(build.folder) / build.file_names()[0]).split())


def test_an_allergy_sent_by_hl7_and_fhir_is_printed_once_in_french(
    ward: Ward, kits_dir: Path, tmp_path: Path
) -> None:
    feed_lefevre_both_ways(tmp_path)
    kit = _kit_text(ward, kits_dir)
    banners = kit.count("— ALLERGIES :")
    assert banners >= 3  # the summary, the administration grid, the vitals chart
    assert kit.count("ALLERGIES : Latex (légère) ; Pénicilline (sévère) ") == banners
    assert (
        "Allergies : Latex (environnement) — légère — Prurit ; Pénicilline (médicament) — sévère"
        " — urticaire, Œdème de Quincke" in kit
    )
    # Once on each banner, once on the summary: never twice for the two feeds.
    assert kit.lower().count("nicilline") == banners + 1
    assert not re.search(r"\b(SV|MO|MI|DA|EA)\b", kit)


def test_the_kit_tells_no_known_allergy_from_nothing_received(
    ward: Ward, kits_dir: Path, tmp_path: Path
) -> None:
    nothing = _kit_text(ward, kits_dir)
    assert "ALLERGIES : Allergies non renseignées" in nothing
    assert "aucune connue" not in nothing.lower()
    fhir_import(tmp_path, no_known_allergy_fhir("P1"))
    said = _kit_text(ward, kits_dir)
    assert "ALLERGIES : Aucune allergie connue" in said
    assert "Allergies : Aucune allergie connue" in said
    assert "non renseignées" not in said and "No known" not in said
