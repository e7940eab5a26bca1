"""Passages and files to build RPU tests from, and the path of the sample file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from autarcie.recovery.rpu import RpuFile, RpuPassage
from autarcie.recovery.rpu.model import PARIS

SAMPLE = Path(__file__).parents[1] / "fixtures" / "rpu" / "rpu_synthetic_example.xml"
FINESS = "350005179"  # passes the Luhn key


def paris(day: int, hour: int, minute: int = 0, month: int = 1) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=PARIS)


def passage(**changes: Any) -> RpuPassage:
    """A consistent passage: home entry, hospital exit; ``changes`` overrides any item."""
    values: dict[str, Any] = {
        "postcode": "35000",
        "town": "RENNES",
        "birth_date": dt.date(1980, 1, 1),
        "sex": "F",
        "entry": paris(15, 2, 14),
        "entry_mode": "8",
        "provenance": "5",
        "transport": "AMBU",
        "transport_care": "PARAMED",
        "reason": "R074",
        "ccmu": "3",
        "main_diagnosis": "I214",
        "other_diagnoses": ("I10",),
        "procedures": ("DEQP003",),
        "exit": paris(15, 5, 40),
        "exit_mode": "6",
        "destination": "1",
        "orientation": "SI",
    }
    values.update(changes)
    return RpuPassage(**values)


def rpu_file(*passages: RpuPassage, **changes: Any) -> RpuFile:
    values: dict[str, Any] = {
        "finess": FINESS,
        "order": "0",
        "extract": paris(16, 3),
        "start": dt.date(2025, 1, 15),
        "end": dt.date(2025, 1, 15),
        "passages": passages,
    }
    values.update(changes)
    return RpuFile(**values)
