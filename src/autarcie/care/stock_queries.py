"""Drug stock as of any moment, per location, with thresholds and daily consumption."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum

from autarcie.care.models import StockAlert, StockEntry, StockKind, StockThreshold
from autarcie.care.queries import current

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


@dataclass(frozen=True)
class StockLine:
    drug_code: str
    drug_label: str
    level: int
    minimum: int | None

    @property
    def short(self) -> bool:
        return self.minimum is not None and self.level <= self.minimum


def levels(location: str, at: dt.datetime | None = None) -> list[StockLine]:
    """Every drug ever recorded at the location, with its level as of ``at``."""
    values: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    # Plain tuples, not model instances: the history of a location only grows.
    rows = live_entries(location, at).values_list("drug_code", "drug_label", "kind", "quantity")
    for code, label, kind, quantity in rows:
        values[code] = apply(values[code], kind, quantity)
        labels[code] = label
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
