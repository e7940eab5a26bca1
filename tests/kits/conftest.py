"""Kit tests: a small ward, kits written to a private folder, PDF text through poppler."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from autarcie.kits.content import Lab, Med, Panel, PatientSheet, Report, UnitKit
from autarcie.kits.pdf.layout import PAGE_HEIGHT, Box
from tests.wards import Ward, build_ward

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def ward(db: None) -> Ward:
    return build_ward()


@pytest.fixture
def font_dir() -> Path:
    return Path(settings.KITS_FONT_DIR)


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install Debian's poppler-utils")
    command = ["pdftotext", "-layout"]
    if first is not None:
        command += ["-f", str(first), "-l", str(last or first)]
    done = subprocess.run([*command, str(path), "-"], capture_output=True, check=True, text=True)
    # poppler writes a narrow no-break space as a plain space
    return done.stdout.replace("\u202f", " ")


def patient(number: int, *, hidden: bool = False) -> PatientSheet:
    meds = (
        Med("Paracétamol 1 g", "1 g", "PO", "4 fois par jour", "Dr A", None, ("06:00", "12:00")),
        Med("Morphine 10 mg", "2 mg", "SC", "si besoin", "Dr A", None, ()),
    )
    potassium = Lab("Potassium", "6,1", "mmol/l", "≥ 3,5 et ≤ 5,0", "H", NOW, "4,9 mmol/l")
    return PatientSheet(
        patient_id=number,
        ipp=f"IPP{number:04d}",
        birth_family="LEFÈVRE",
        used_family="DURAND-LEFÈVRE",
        given=f"Zoé{number}",
        sex="F",
        birth_date=dt.date(1950, 3, 12),
        age=76,
        hidden=hidden,
        ins="",
        ins_status="provisoire",
        room="12",
        bed=str(number),
        admitted_at=NOW,
        attending="Dr Œillet",
        on_leave=False,
        allergies=("Pénicilline",),
        meds=meds,
        panels=(Panel("Ionogramme", (potassium,)),),
        reports=(Report("Compte rendu de consultation", NOW, "Patiente vue ce jour : stable."),),
    )


def sample_kit(*, emergency: bool = False) -> UnitKit:
    return UnitKit(
        build_id="20261123-093000-abcdef",
        unit_code="2010",
        unit_label="Cardiologie",
        emergency=emergency,
        hospital="Centre hospitalier d'essai",
        generated_at=NOW,
        data_as_of=NOW - dt.timedelta(minutes=5),
        head_seq=42,
        head_hash="ab" * 32,
        patients=(patient(1), patient(2, hidden=True)),
        admission_ids=("T010000001W", "T010000002A"),
        passage_ids=("T010000003G",),
    )


@pytest.fixture
def kits_dir(tmp_path: Path, settings: object) -> Path:
    folder = tmp_path / "kits"
    settings.KITS_DIR = folder  # type: ignore[attr-defined]
    return folder


@pytest.fixture
def fake_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for CUPS' lp, first on PATH: it logs its arguments; FAIL makes it refuse."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "lp"
    script.write_text(
        "#!/bin/sh\n"
        'echo "$@" >> "$(dirname "$0")/calls"\n'
        'if [ -e "$(dirname "$0")/FAIL" ]; then\n'
        '  echo "lp: The printer or class does not exist." >&2; exit 1\n'
        "fi\n"
        'echo "request id is cardio-7 (1 file(s))"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{__import__('os').environ['PATH']}")
    return folder


def pdf_pages(path: Path) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed)."""
    return pdf_text(path).split("\f")[:-1]


@dataclass(frozen=True)
class Word:
    text: str
    box: Box  # in PDF coordinates (origin bottom left), as the layout code computes them


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def pdf_words(path: Path) -> list[list[Word]]:
    """Every word of every page with its box, read back by poppler from the PDF itself."""
    done = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    pages = []
    for page in done.stdout.split("<page ")[1:]:
        words = []
        for x0, top, x1, bottom, text in _WORD.findall(page):
            box = Box(float(x0), PAGE_HEIGHT - float(bottom), float(x1), PAGE_HEIGHT - float(top))
            words.append(Word(html.unescape(text), box))
        pages.append(words)
    return pages
