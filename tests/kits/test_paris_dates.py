"""Every date a kit prints is a Paris date: after midnight, in winter and summer, and on the
days the clocks change (last Sunday of March and of October)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from autarcie.chart.schedule import due_instants
from autarcie.core import clock
from autarcie.core.roles import UnitKind
from autarcie.kits.builder import build_unit
from autarcie.kits.content import french_date
from autarcie.kits.pdf.canvas import register_fonts
from autarcie.kits.render import write_grid_72h, write_main_kit
from tests.factories import make_unit
from tests.kits.conftest import patient, pdf_pages, sample_kit
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import feed

UTC = dt.UTC

# 00:30 in Paris is 23:30 UTC the day before in winter (UTC+1), 22:30 in summer (UTC+2).
AFTER_MIDNIGHT = [
    pytest.param(dt.datetime(2026, 1, 14, 23, 30, tzinfo=UTC), "15/01/2026", id="winter"),
    pytest.param(dt.datetime(2026, 7, 14, 22, 30, tzinfo=UTC), "15/07/2026", id="summer"),
    pytest.param(dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "29/03/2026", id="spring-day"),
    pytest.param(dt.datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "30/03/2026", id="spring-after"),
    pytest.param(dt.datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "25/10/2026", id="autumn-day"),
    pytest.param(dt.datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "26/10/2026", id="autumn-after"),
]


@pytest.mark.parametrize(("admitted", "paris_day"), AFTER_MIDNIGHT)
def test_census_and_summary_print_the_paris_date_of_an_entry_after_midnight(
    admitted: dt.datetime, paris_day: str, tmp_path: Path, font_dir: Path
) -> None:
    register_fonts(font_dir)
    kit = dataclasses.replace(
        sample_kit(), patients=(dataclasses.replace(patient(1), admitted_at=admitted),)
    )
    write_main_kit(kit, tmp_path / "kit.pdf")
    pages = pdf_pages(tmp_path / "kit.pdf")
    census_row = next(line for line in pages[0].splitlines() if "IPP0001" in line)
    assert re.search(rf"IPP0001\s+{paris_day}", census_row)
    assert f"Entrée le {paris_day} à 00:30" in pages[1]
    assert french_date(admitted) == paris_day


def test_a_24h_grid_over_the_spring_change_holds_every_round_of_its_23_wall_hours(
    tmp_path: Path, font_dir: Path
) -> None:
    start = dt.datetime(2026, 3, 28, 8, 30, tzinfo=UTC)  # Saturday 09:30 CET
    due = due_instants(("10:00",), start, 24)  # until Sunday 10:30 CEST
    assert [f"{d:%d/%m %H:%M %Z}" for d in due] == ["28/03 10:00 CET", "29/03 10:00 CEST"]
    register_fonts(font_dir)
    med = dataclasses.replace(patient(1).meds[0], rounds=("10:00",))
    kit = dataclasses.replace(
        sample_kit(), generated_at=start, patients=(dataclasses.replace(patient(1), meds=(med,)),)
    )
    write_main_kit(kit, tmp_path / "kit.pdf")
    grid = next(page for page in pdf_pages(tmp_path / "kit.pdf") if "Administration 24 h" in page)
    assert "Du 28/03/2026 à 09:30 au 29/03/2026 à 10:30" in grid
    assert "sam. 28/03" in grid and "dim. 29/03" in grid


def test_a_grid_over_the_autumn_change_stops_at_its_real_end() -> None:
    start = dt.datetime(2026, 10, 24, 8, 30, tzinfo=UTC)  # Saturday 10:30 CEST
    due = due_instants(("09:00", "10:00"), start, 24)  # until Sunday 09:30 CET
    assert [f"{d:%d/%m %H:%M %Z}" for d in due] == ["25/10 09:00 CET"]
    three_days = due_instants(("01:30",), dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 72)
    assert [f"{d:%d/%m %H:%M}" for d in three_days] == ["25/10 01:30", "26/10 01:30", "27/10 01:30"]


def test_the_72h_grid_names_the_paris_day_of_a_round_after_midnight(
    tmp_path: Path, font_dir: Path
) -> None:
    register_fonts(font_dir)
    med = dataclasses.replace(patient(1).meds[0], rounds=("00:30",))
    kit = dataclasses.replace(
        sample_kit(),
        generated_at=dt.datetime(2026, 7, 14, 20, 0, tzinfo=UTC),  # Tuesday 22:00 in Paris
        patients=(dataclasses.replace(patient(1), meds=(med,)),),
    )
    write_grid_72h(kit, tmp_path / "grid.pdf")
    text = "".join(pdf_pages(tmp_path / "grid.pdf"))
    assert "mer. 15/07" in text and "jeu. 16/07" in text and "ven. 17/07" in text
    assert "mar. 14/07" not in text.split("Du 14/07/2026")[1].split("Dans chaque case")[1]


@pytest.fixture
def autumn_night() -> Iterator[clock.FrozenClock]:
    # Sunday 25 October 2026, 00:45 in Paris (summer time until 03:00): still the 24th in UTC.
    fixed = clock.FrozenClock(dt.datetime(2026, 10, 24, 22, 45, tzinfo=UTC))
    previous = clock.install(fixed)
    yield fixed
    clock.install(previous)


@pytest.mark.django_db
def test_a_kit_built_after_midnight_prints_the_paris_entry_date_and_birthday_age(
    autumn_night: clock.FrozenClock, kits_dir: Path
) -> None:
    unit = make_unit("2010", UnitKind.MEDICINE, "Cardiologie")
    entry = adt(
        "A01",
        "C1",
        ipp="P9",
        nda="N9",
        family="NUIT",
        given="LUCIE",
        birth="19501025",  # her 76th birthday, in Paris
        start="20261025003000",  # HL7 local time: 00:30 Paris, 22:30 UTC on the 24th
    )
    feed([entry], at=autumn_night.now())
    build = build_unit(unit, actor="system:test", out_dir=kits_dir)
    pages = pdf_pages(Path(build.folder) / build.file_names()[0])
    row = next(line for line in pages[0].splitlines() if "P9" in line)
    assert "25/10/1950 (76)" in re.sub(r"\s+", " ", row)
    assert re.search(r"P9\s+25/10/2026", row)
    assert "Entrée le 25/10/2026 à 00:30" in pages[1] and "Âge : 76" in pages[1]
    assert "Édité le 25/10/2026 à 00:45" in pages[0]
