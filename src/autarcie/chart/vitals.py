"""Vitals recorded in degraded mode, as a table: each parameter's last value and its trend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from autarcie.care.models import CareEntry, EntryKind
from autarcie.formats.ucum import french_number, unit_label

SPARK_POINTS = 8  # the last values drawn in the text sparkline
_BARS = "▁▂▃▄▅▆▇█"
RISING, FALLING, STEADY = "↑", "↓", "→"

# Form field -> (label, UCUM unit): the unit is shown through the one display table.
PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("systolic", "PA systolique", "mm[Hg]"),
    ("diastolic", "PA diastolique", "mm[Hg]"),
    ("heart_rate", "Fréquence cardiaque", "/min"),
    ("temperature", "Température", "Cel"),
    ("spo2", "SpO₂", "%"),
    ("resp_rate", "Fréquence respiratoire", "/min"),
    ("pain", "Douleur (EVA/EN)", "{score}"),
    ("consciousness", "Conscience (AVPU)", ""),
)


@dataclass(frozen=True)
class VitalTrend:
    """One parameter's line: the last value, the one before, which way it went, the shape."""

    label: str
    unit: str
    last: str
    last_at: dt.datetime
    previous: str
    trend: str  # ↑ ↓ → against the previous value; empty with a single value or no number
    spark: str  # the last values as bars, oldest first; empty when not numeric
    count: int  # values recorded


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _trend(last: Decimal | None, previous: Decimal | None) -> str:
    if last is None or previous is None:
        return ""
    return RISING if last > previous else FALLING if last < previous else STEADY


def sparkline(values: list[Decimal]) -> str:
    """Bars scaled between the lowest and the highest value shown; flat when all equal."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    if low == high:
        return _BARS[3] * len(values)
    top = len(_BARS) - 1
    return "".join(_BARS[round((v - low) / (high - low) * top)] for v in values)


def _line(label: str, unit: str, history: list[tuple[dt.datetime, str]]) -> VitalTrend:
    """``history`` is the parameter's values in clinical time order, oldest first."""
    last_at, last = history[-1]
    previous = history[-2][1] if len(history) > 1 else ""
    numbers = [_number(v) for _at, v in history[-SPARK_POINTS:]]
    numeric = [n for n in numbers if n is not None]
    return VitalTrend(
        label=label,
        unit=unit_label(unit),
        last=french_number(last),
        last_at=last_at,
        previous=french_number(previous),
        trend=_trend(_number(last), _number(previous) if previous else None),
        spark=sparkline(numeric) if len(numeric) == len(numbers) else "",
        count=len(history),
    )


def vitals_table(entries: list[CareEntry]) -> list[VitalTrend]:
    """One line per parameter ever recorded, from the patient's current downtime records."""
    vitals = sorted(
        (e for e in entries if e.kind == EntryKind.VITALS and not e.cancelled),
        key=lambda e: (e.written_at, e.pk),
    )
    lines = []
    for name, label, unit in PARAMETERS:
        history = [
            (e.written_at, str(e.data[name])) for e in vitals if e.data.get(name) not in (None, "")
        ]
        if history:
            lines.append(_line(label, unit, history))
    return lines
