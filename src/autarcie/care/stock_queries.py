"""Drug stock as of any moment, per location, with thresholds and daily consumption."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum

from autarcie.care.models import StockAlert, StockEntry, StockKind, StockThreshold, StockUnit
from autarcie.care.queries import current
from autarcie.mirror.models import Prescription

PARIS = ZoneInfo("Europe/Paris")
ADDS = (StockKind.RECEIPT, StockKind.TRANSFER_IN)
REMOVES = (StockKind.DISPENSATION, StockKind.TRANSFER_OUT)


def live_entries(location: str, at: dt.datetime | None = None) -> QuerySet[StockEntry]:
    rows = current(StockEntry.objects.filter(location=location)).filter(cancelled=False)
    if at is not None:
        rows = rows.filter(written_at__lte=at)
    return rows.order_by("written_at", "pk")


def apply(level: int, kind: str, quantity: int) -> int:
    if kind == StockKind.COUNT:
        return quantity
    return level + quantity if kind in ADDS else level - quantity


def level(location: str, drug_code: str, at: dt.datetime | None = None) -> int:
    """The level after the last count, summed in the database (the history only grows)."""
    rows = live_entries(location, at).filter(drug_code=drug_code)
    value = 0
    last_count = rows.filter(kind=StockKind.COUNT).order_by("-written_at", "-pk").first()
    if last_count is not None:
        value = last_count.quantity
        rows = rows.filter(
            Q(written_at__gt=last_count.written_at)
            | Q(written_at=last_count.written_at, pk__gt=last_count.pk)
        )
    totals = rows.exclude(kind=StockKind.COUNT).values("kind").annotate(total=Sum("quantity"))
    for row in totals.order_by():
        value = apply(value, row["kind"], int(row["total"]))
    return value


PLURALS = {
    StockUnit.TABLET: "comprimés",
    StockUnit.CAPSULE: "gélules",
    StockUnit.AMPOULE: "ampoules",
    StockUnit.VIAL: "flacons",
    StockUnit.BAG: "poches",
    StockUnit.SYRINGE: "seringues préremplies",
    StockUnit.PEN: "stylos",
    StockUnit.SACHET: "sachets",
    StockUnit.TUBE: "tubes",
    StockUnit.ML: "mL",
    StockUnit.DOSE: "doses",
}


def unit_name(unit: str, count: int) -> str:
    """ "comprimé", "comprimés": the unit's name as a person writes it after ``count``;
    "" for an unknown or missing unit."""
    if unit not in StockUnit.values:
        return ""
    return PLURALS[StockUnit(unit)] if abs(count) > 1 else str(StockUnit(unit).label)


def last_unit(location: str, drug_code: str) -> str:
    """The unit this drug is counted in at this location ("" before any movement with one)."""
    rows = live_entries(location).filter(drug_code=drug_code).exclude(unit="")
    return rows.order_by("-written_at", "-pk").values_list("unit", flat=True).first() or ""


@dataclass(frozen=True)
class StockLine:
    drug_code: str
    drug_label: str
    level: int
    minimum: int | None
    unit: str = ""

    @property
    def out_of_stock(self) -> bool:
        """Rupture: nothing left at all."""
        return self.level <= 0

    @property
    def below_threshold(self) -> bool:
        """Sous le seuil: some left, but no more than the threshold (a shortage alert)."""
        return not self.out_of_stock and self.minimum is not None and self.level <= self.minimum

    @property
    def short(self) -> bool:
        return self.out_of_stock or self.below_threshold

    @property
    def unit_label(self) -> str:
        return unit_name(self.unit, self.level)


def levels(location: str, at: dt.datetime | None = None) -> list[StockLine]:
    """Every drug ever recorded at the location, with its level as of ``at``."""
    values: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    units: dict[str, str] = {}
    # Plain tuples, not model instances: the history of a location only grows.
    rows = live_entries(location, at).values_list(
        "drug_code", "drug_label", "kind", "quantity", "unit"
    )
    for code, label, kind, quantity, unit in rows:
        values[code] = apply(values[code], kind, quantity)
        labels[code] = label
        units[code] = unit or units.get(code, "")
    minimums = {
        t.drug_code: t for t in StockThreshold.objects.filter(location=location).order_by("pk")
    }
    for code, threshold in minimums.items():
        labels.setdefault(code, threshold.drug_label)
    return sorted(
        (
            StockLine(
                code,
                labels[code],
                values.get(code, 0),
                minimums[code].minimum if code in minimums else None,
                units.get(code, ""),
            )
            for code in labels
        ),
        key=lambda line: line.drug_label.lower(),
    )


def consumption_per_day(location: str, days: int = 7) -> dict[dt.date, dict[str, int]]:
    """Paris day -> drug label -> units dispensed or sent away, the most recent days."""
    table: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = live_entries(location).filter(kind__in=REMOVES)
    for written_at, label, quantity in rows.values_list("written_at", "drug_label", "quantity"):
        table[written_at.astimezone(PARIS).date()][label] += quantity
    recent = sorted(table, reverse=True)[:days]
    return {day: dict(table[day]) for day in recent}


def open_alerts(location: str | None = None) -> QuerySet[StockAlert]:
    rows = StockAlert.objects.all()
    if location is not None:
        rows = rows.filter(location=location)
    return rows.order_by("-raised_at")


@dataclass(frozen=True)
class Drug:
    code: str
    label: str


def drug_catalogue() -> dict[str, Drug]:
    """The drugs a stock form offers, by code: the formulary (every drug already in a stock or
    given a threshold) and the drugs of the mirror's active prescriptions. A code typed by
    hand on a night shift is a wrong drug waiting to happen; a name picked from a list is not.
    """
    found: dict[str, Drug] = {}
    sources = (
        StockEntry.objects.values_list("drug_code", "drug_label"),
        StockThreshold.objects.values_list("drug_code", "drug_label"),
        Prescription.objects.filter(active=True)
        .exclude(drug_code="")
        .values_list("drug_code", "drug_label"),
    )
    for rows in sources:
        # The pharmacy's own label wins over a prescription's: it is the first one kept.
        for code, label in rows.distinct().order_by():
            found.setdefault(code, Drug(code, label))
    return dict(sorted(found.items(), key=lambda item: item[1].label.lower()))


def find_drug(code: str, location: str) -> Drug | None:
    """The drug of the catalogue with this code, or None; a save asks for one code, so the
    usual case (a drug already held at the location) costs one indexed look-up."""
    if not code:
        return None
    sources = (
        StockEntry.objects.filter(location=location, drug_code=code),
        StockThreshold.objects.filter(drug_code=code),
        StockEntry.objects.filter(drug_code=code),
        Prescription.objects.filter(active=True, drug_code=code),
    )
    for rows in sources:
        label = rows.values_list("drug_label", flat=True).first()
        if label is not None:
            return Drug(code, label)
    return None
