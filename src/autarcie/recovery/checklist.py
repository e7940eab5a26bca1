"""The back-entry checklist: every downtime record with its status, per unit, and the totals."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from autarcie.core.models import Unit
from autarcie.recovery.items import KIND_LABELS
from autarcie.recovery.records import downtime_items
from autarcie.recovery.state import STATUS_LABELS, RecordStatus, load_state, record_status

PARIS = ZoneInfo("Europe/Paris")
__all__ = ["KIND_LABELS", "Overview", "UnitChecklist", "overview"]


@dataclass
class UnitChecklist:
    code: str
    label: str
    records: list[RecordStatus] = field(default_factory=list)

    @property
    def remaining(self) -> list[RecordStatus]:
        return [r for r in self.records if not r.finished]

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.records)

    def count_lines(self) -> list[tuple[str, int]]:
        return [(STATUS_LABELS[s], n) for s, n in sorted(self.counts.items())]


@dataclass
class Overview:
    units: list[UnitChecklist]
    by_kind: Counter[str]
    by_day: list[tuple[dt.date, int]]
    first: dt.datetime | None
    last: dt.datetime | None

    @property
    def total(self) -> int:
        return sum(len(u.records) for u in self.units)

    @property
    def remaining(self) -> int:
        return sum(len(u.remaining) for u in self.units)

    @property
    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for unit in self.units:
            total.update(unit.counts)
        return total


def overview(unit_codes: set[str] | None = None) -> Overview:
    """Every record's status, grouped by unit (``unit_codes`` limits the units shown)."""
    state = load_state()
    labels = dict(Unit.objects.values_list("code", "label"))
    units: dict[str, UnitChecklist] = {}
    by_kind: Counter[str] = Counter()
    by_day: Counter[dt.date] = Counter()
    items = downtime_items()
    for item in items:
        if unit_codes is not None and item.unit_code not in unit_codes:
            continue
        code = item.unit_code or "—"
        unit = units.setdefault(code, UnitChecklist(code, labels.get(code, "sans unité")))
        unit.records.append(record_status(item, state))
        by_kind[KIND_LABELS.get(item.kind, item.kind)] += 1
        by_day[item.written_at.astimezone(PARIS).date()] += 1
    shown = [i for i in items if unit_codes is None or i.unit_code in unit_codes]
    return Overview(
        units=sorted(units.values(), key=lambda u: u.code),
        by_kind=by_kind,
        by_day=sorted(by_day.items()),
        first=min((i.written_at for i in shown), default=None),
        last=max((i.written_at for i in shown), default=None),
    )
