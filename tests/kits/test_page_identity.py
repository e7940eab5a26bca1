"""Each printed page names the patient its own content is about, and only that one; blank forms
name none; no text runs off the page or over a barcode (read back from the PDF by poppler)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from autarcie.kits.content import PatientSheet, Report, UnitKit
from autarcie.kits.pdf.canvas import REGULAR, KitCanvas, register_fonts
from autarcie.kits.pdf.forms import tempid_block
from autarcie.kits.pdf.labels import LABEL_H, LABEL_W, LEFT_MARGIN, PITCH_X, TOP_MARGIN
from autarcie.kits.pdf.layout import (
    FOOTER_TOP,
    MARGIN,
    MIN_LINE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RIGHT,
    TOP,
    Box,
    place_fields,
    text_box,
    wrap,
)
from autarcie.kits.render import WRITERS, file_names
from tests.kits.conftest import Word, patient, pdf_pages, pdf_words, sample_kit

ALLERGIES = tuple(f"Allergène numéro {n} (urticaire géante)" for n in range(1, 13))
LONG_NAME = "DE LA TOUR D'AUVERGNE-MONTMORENCY-LAVAL Marie-Christine-Eugénie"


def _long_patient() -> PatientSheet:
    """A patient whose summary runs onto a second page, with a long name and many allergies."""
    reports = tuple(Report(f"Compte rendu {n}", None, "Examen clinique. " * 90) for n in range(3))
    return dataclasses.replace(
        patient(3),
        ipp="IPP0003",
        used_family="DE LA TOUR D'AUVERGNE-MONTMORENCY-LAVAL",
        given="Marie-Christine-Eugénie",
        allergies=ALLERGIES,
        reports=reports,
    )


def crowded_kit() -> UnitKit:
    return dataclasses.replace(
        sample_kit(emergency=True),
        patients=(patient(1), patient(2, hidden=True), _long_patient()),
        passage_ids=("T010000003G", "T010000004J"),
    )


@pytest.fixture
def crowded(tmp_path: Path, font_dir: Path) -> dict[str, tuple[Path, KitCanvas]]:
    register_fonts(font_dir)
    kit = crowded_kit()
    written = {}
    for write, name in zip(WRITERS, file_names(kit.unit_code), strict=True):
        path = tmp_path / name
        written[name] = (path, write(kit, path))
    return written


def _blank_pages(pages: list[str]) -> list[str]:
    """The blank forms close the kit: from the first admission form to the end."""
    first = next(i for i, page in enumerate(pages) if "Admission en mode dégradé" in page)
    return pages[first:]


def test_blank_forms_name_no_patient_and_carry_their_own_identifier(
    crowded: dict[str, tuple[Path, KitCanvas]],
) -> None:
    kit = crowded_kit()
    blank = _blank_pages(pdf_pages(crowded["kit-2010.pdf"][0]))
    assert len(blank) >= len(kit.admission_ids) + len(kit.passage_ids) + 2
    for page in blank:
        for p in kit.patients:
            assert p.ipp not in page and p.given not in page and p.bed_label() not in page
        assert "ALLERGIES" not in page and "IDENTITÉ MASQUÉE" not in page
        assert "formulaire vierge" in page.lower()
        own = re.search(r"pré-attribué : (T\w+)", page)
        if own is not None:  # a form's first page: its band names the same identifier
            assert f"Identifiant temporaire : {own.group(1)}" in page
    for tempid in (*kit.admission_ids, *kit.passage_ids):
        assert any(
            f"Unité : 2010 Cardiologie · Identifiant temporaire : {tempid}" in page
            for page in blank
        )


def _patient_of(page: str, kit: UnitKit) -> list[PatientSheet]:
    return [p for p in kit.patients if f"IPP : {p.ipp}" in page]


@pytest.mark.parametrize("name", ["kit-2010.pdf", "administration-72h-2010.pdf"])
def test_every_patient_page_shows_its_one_patient_allergies_and_data_time(
    crowded: dict[str, tuple[Path, KitCanvas]], name: str
) -> None:
    kit = crowded_kit()
    pages = pdf_pages(crowded[name][0])
    if name.startswith("kit-"):
        pages = pages[1 : len(pages) - len(_blank_pages(pages))]  # not the census, not forms
    titles = ("Synthèse", "Administration 24 h", "Administration 72 h", "Surveillance")
    for page in pages:
        shown = _patient_of(page, kit)
        assert len(shown) == 1
        assert any(f"{title} — ALLERGIES : " in page for title in titles)
        assert "Données arrêtées au 23/11/2026 à 09:25" in page
    long_pages = [page for page in pages if _patient_of(page, kit)[0].ipp == "IPP0003"]
    assert len(long_pages) > (3 if name.startswith("kit-") else 0)  # a two-page summary
    for page in long_pages:  # every allergy, on every page: none cut off
        flat = re.sub(r"\s+", " ", page)
        assert all(allergy in flat for allergy in ALLERGIES)
        assert "DE LA TOUR D'AUVERGNE-MONTMORENCY-LAVAL" in flat


def _label_cells() -> list[Box]:
    cells = []
    for row in range(7):
        for column in range(3):
            x = LEFT_MARGIN + column * PITCH_X
            y = A4[1] - TOP_MARGIN - (row + 1) * LABEL_H
            cells.append(Box(x, y, x + LABEL_W, y + LABEL_H))
    return cells


def _allowed_area(name: str, word: Word) -> bool:
    if not name.startswith("etiquettes"):
        return word.box.inside(Box(MARGIN, 0, RIGHT, PAGE_HEIGHT))
    if (
        word.box.y0 > PAGE_HEIGHT - TOP_MARGIN
        or word.box.y1 < PAGE_HEIGHT - TOP_MARGIN - 7 * LABEL_H
    ):
        return word.box.inside(Box(7 * mm, 0, PAGE_WIDTH - 7 * mm, PAGE_HEIGHT))  # the frame
    return any(word.box.inside(cell) for cell in _label_cells())


def test_no_word_runs_off_its_page_or_label_nor_over_a_barcode(
    crowded: dict[str, tuple[Path, KitCanvas]],
) -> None:
    checked = 0
    for name, (path, canvas) in crowded.items():
        for number, words in enumerate(pdf_words(path), start=1):
            bars = [box for page, box in canvas.reserved if page == number]
            for word in words:
                assert _allowed_area(name, word), (name, number, word)
                assert not any(word.box.intersects(box) for box in bars), (name, number, word)
                checked += 1
    reserved_pages = {page for page, _ in crowded["kit-2010.pdf"][1].reserved}
    assert len(reserved_pages) == 4  # one barcode per admission and passage form
    assert checked > 1000


@pytest.mark.parametrize("tempid", ["T010000001W", "T99" + "0123456789" * 3])
def test_the_temporary_id_block_keeps_its_text_clear_of_the_barcode(
    tempid: str, font_dir: Path
) -> None:
    register_fonts(font_dir)
    block = tempid_block(tempid, "un patient admis pendant la panne", TOP)
    page = Box(MARGIN, FOOTER_TOP, RIGHT, TOP)
    assert block.bars.inside(page) and block.readable.inside(page)
    for box in block.text_boxes():
        assert box.inside(page)
        assert not box.intersects(block.bars) and not box.intersects(block.readable)
    assert block.bottom < min(block.readable.y0, *(box.y0 for box in block.text_boxes()))


def test_a_row_of_fields_breaks_rather_than_running_off_the_page(font_dir: Path) -> None:
    register_fonts(font_dir)
    row = [("Prénom(s)", 170.0), ("Date de naissance", 90.0), ("Lieu (commune)", 0.0)]
    placed = place_fields(row, REGULAR, 11)
    assert [field.line for field in placed] == [0, 0, 1]
    for field in placed:
        label = text_box(field.label, REGULAR, 11, field.label_x, 0)
        assert label.x0 >= MARGIN and label.x1 <= field.line_start
        assert field.line_end <= RIGHT and field.line_end - field.line_start >= MIN_LINE


def test_an_unbroken_string_is_cut_to_the_width(font_dir: Path) -> None:
    register_fonts(font_dir)
    lines = wrap("A" * 500, REGULAR, 10, 200)
    assert "".join(lines) == "A" * 500 and len(lines) > 1
    assert all(text_box(line, REGULAR, 10, 0, 0).x1 <= 200 for line in lines)


def test_a_compound_name_too_long_for_its_cell_breaks_at_a_hyphen(font_dir: Path) -> None:
    register_fonts(font_dir)
    lines = wrap("D'AUVERGNE-MONTMORENCY-LAVAL", REGULAR, 10.5, 120)
    assert lines == ["D'AUVERGNE-", "MONTMORENCY-", "LAVAL"]
