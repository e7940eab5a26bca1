"""Critical-care bed availability: current state per unit and category, history, CSV."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from autarcie.care.models import BedReport, CriticalUnit, RorCategory
from autarcie.core.csv_export import Cell, csv_text

PARIS = ZoneInfo("Europe/Paris")
CSV_COLUMNS = (
    "etablissement",
    "uf",
    "libelle",
    "categorie_ror",
    "libelle_categorie",
    "installes",
    "disponibles",
    "occupes",
    "fermes",
    "source",
    "mis_a_jour",
)


@dataclass(frozen=True)
class BedLine:
    unit_code: str
    unit_label: str
    ror_category: str
    installed: int
    available: int | None
    occupied: int | None
    closed: int | None
    source: str
    updated_at: dt.datetime | None
    author: str

    @property
    def category_label(self) -> str:
        return str(RorCategory(self.ror_category).label)


def current_beds() -> list[BedLine]:
    """Every critical unit with its latest report (or none yet)."""
    lines = []
    for cu in CriticalUnit.objects.select_related("unit").order_by("ror_category", "unit__code"):
        last = BedReport.objects.filter(unit=cu.unit).order_by("-recorded_at", "-pk").first()
        lines.append(
            BedLine(
                unit_code=cu.unit.code,
                unit_label=cu.unit.label,
                ror_category=cu.ror_category,
                installed=last.installed if last else cu.installed,
                available=last.available if last else None,
                occupied=last.occupied if last else None,
                closed=last.closed if last else None,
                source=last.get_source_display() if last else "",
                updated_at=last.recorded_at if last else None,
                author=last.author_label if last else "",
            )
        )
    return lines


def bed_history(unit_code: str, limit: int = 50) -> list[BedReport]:
    rows = BedReport.objects.filter(unit__code=unit_code).order_by("-recorded_at", "-pk")
    return list(rows[:limit])


def totals(lines: list[BedLine]) -> dict[str, dict[str, int]]:
    """Category label -> installed / available / occupied / closed summed."""
    table: dict[str, dict[str, int]] = {}
    for line in lines:
        row = table.setdefault(
            line.category_label, {"installed": 0, "available": 0, "occupied": 0, "closed": 0}
        )
        row["installed"] += line.installed
        row["available"] += line.available or 0
        row["occupied"] += line.occupied or 0
        row["closed"] += line.closed or 0
    return table


def beds_csv(lines: list[BedLine], establishment: str) -> str:
    """The current availability as CSV for the SAMU and the ARS (see ``core.csv_export``)."""
    rows: list[list[Cell]] = [list(CSV_COLUMNS)]
    for line in lines:
        updated = (
            line.updated_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if line.updated_at else ""
        )
        rows.append(
            [
                establishment,
                line.unit_code,
                line.unit_label,
                line.ror_category,
                line.category_label,
                line.installed,
                line.available,
                line.occupied,
                line.closed,
                line.source,
                updated,
            ]
        )
    return csv_text(rows)
