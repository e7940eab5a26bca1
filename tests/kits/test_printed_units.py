"""The kit prints units and numbers as the screen shows them: one display table for both."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from autarcie.kits.content import Lab, Panel
from autarcie.kits.render import render_kit
from tests.kits.conftest import NOW, pdf_text, sample_kit


def test_the_summary_sheet_prints_units_as_written_by_hand(tmp_path: Path, font_dir: Path) -> None:
    labs = (
        Lab("Créatinine", "85.5", "umol/L", "45.0-90.0", "", NOW, "70,25 µmol/L"),  # chart's text
        Lab("Leucocytes", "12.5", "10*9/L", "", "H", NOW, ""),
        Lab("INR", "2.4", "{INR}", "", "", NOW, ""),
    )
    kit = sample_kit()
    first = dataclasses.replace(kit.patients[0], panels=(Panel("Biologie", labs),))
    files = render_kit(dataclasses.replace(kit, patients=(first,)), tmp_path, font_dir)
    text = pdf_text(tmp_path / next(f.name for f in files if f.name.startswith("kit-")))
    assert "85,5 µmol/L" in text and "45,0-90,0" in text
    assert "12,5 10⁹/L" in text
    assert "2,4 INR" in text
    assert "{INR}" not in text and "10*9" not in text and "umol" not in text
