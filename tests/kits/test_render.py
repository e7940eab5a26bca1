"""The PDF layout, without a database: every page framed, French text, masked identities."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autarcie.chart.schedule import due_instants
from autarcie.kits.content import french_text
from autarcie.kits.render import render_kit
from autarcie.recovery.rpu.model import Ccmu, Orientation, Transport
from tests.kits.conftest import NOW, pdf_text, sample_kit


@pytest.fixture
def rendered(tmp_path: Path, font_dir: Path) -> dict[str, Path]:
    files = render_kit(sample_kit(), tmp_path, font_dir)
    return {f.name: tmp_path / f.name for f in files}


def test_a_kit_is_three_files_with_their_page_counts(rendered: dict[str, Path]) -> None:
    assert sorted(rendered) == [
        "administration-72h-2010.pdf",
        "etiquettes-2010.pdf",
        "kit-2010.pdf",
    ]


def test_every_page_carries_unit_times_page_number_confidentiality_and_head(
    rendered: dict[str, Path],
) -> None:
    for path in rendered.values():
        pages = pdf_text(path).split("\f")[:-1]
        assert pages
        for number, page in enumerate(pages, start=1):
            assert "2010 Cardiologie" in page
            assert "Édité le 23/11/2026 à 09:30" in page
            assert "Données arrêtées au 23/11/2026 à 09:25" in page
            assert f"Page {number}/{len(pages)}" in page
            assert "CONFIDENTIEL" in page
            assert "ab" * 32 in page and "n° 42" in page


def test_hidden_identity_is_masked_on_sheets_but_kept_on_its_wristband(
    rendered: dict[str, Path],
) -> None:
    kit = pdf_text(rendered["kit-2010.pdf"])
    assert "IDENTITÉ MASQUÉE" in kit
    assert kit.count("Zoé2") == 0 and "Zoé1" in kit
    assert "IPP0002" in kit
    labels = pdf_text(rendered["etiquettes-2010.pdf"])
    assert "DURAND-LEFÈVRE Zoé2" in labels and "IPP IPP0002" in labels


def test_summary_shows_allergies_prescriptions_flagged_results_and_reports(
    rendered: dict[str, Path],
) -> None:
    kit = pdf_text(rendered["kit-2010.pdf"])
    assert "ALLERGIES : Pénicilline" in kit
    assert "Paracétamol 1 g" in kit and "si besoin" in kit
    assert "≥ 3,5 et ≤ 5,0" in kit
    assert re.search(r"Potassium\s+6,1 mmol/l\s+H ?!", kit)
    assert "Compte rendu de consultation" in kit
    assert "Patiente vue ce jour : stable." in kit


def test_administration_grids_print_each_due_time_of_the_window(
    rendered: dict[str, Path],
) -> None:
    day = pdf_text(rendered["kit-2010.pdf"])
    assert "Administration 24 h" in day
    # 06:00 and 12:00 rounds after 09:30 Paris time: 12:00 today, 06:00 tomorrow, not 12:00.
    three_days = pdf_text(rendered["administration-72h-2010.pdf"])
    assert len(due_instants(("06:00", "12:00"), NOW, 72)) == 6
    assert three_days.count("12:00") >= 3 * 2  # three days, two patients


def test_blank_forms_carry_their_temporary_ids_and_every_rpu_value(
    rendered: dict[str, Path],
) -> None:
    kit = pdf_text(rendered["kit-2010.pdf"])
    for tempid in ("T010000001W", "T010000002A", "T010000003G"):
        assert tempid in kit
    assert "Admission en mode dégradé" in kit
    flat = re.sub(r"\s+", " ", kit)
    for table in (Transport, Ccmu, Orientation):
        for code, _label in table.choices():
            assert f"{code} " in flat
    assert "Observations et transmissions" in kit
    assert "Résultats reçus sur papier" in kit


def test_labels_print_temporary_ids_as_barcode_text(rendered: dict[str, Path]) -> None:
    labels = pdf_text(rendered["etiquettes-2010.pdf"])
    assert "ID TEMP T010000001W" in labels


def test_kit_pages_render_to_images(rendered: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install Debian's poppler-utils")
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-gray",
            str(rendered["kit-2010.pdf"]),
            str(tmp_path / "p"),
        ],
        check=True,
        capture_output=True,
    )
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pdf_text(rendered["kit-2010.pdf"]).count("\f")
    assert all(image.stat().st_size > 1000 for image in images)


def test_french_text_puts_narrow_spaces_before_high_punctuation() -> None:
    assert french_text("Note : oui ; non ! quoi ?") == (
        "Note\u202f: oui\u202f; non\u202f! quoi\u202f?"
    )
    assert french_text("à 08:30") == "à 08:30"
