"""The medication administration grid (MAR): due times of each prescription, ticked when given.

The same columns as the kit's printed grid (``schedule.due_instants`` over the prescription's
rounds), with what was recorded in degraded mode placed on its due time: the screen shows
what the paper would show once filled in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from autarcie.care.models import CareEntry, EntryKind
from autarcie.chart import schedule
from autarcie.chart.queries import Summary

# An administration counts for the nearest due time within this much on either side; a
# later one (or an 'if needed' drug) is listed beside the grid, never lost.
MATCH_WINDOW = dt.timedelta(hours=2)
# The screen shows the last hours (what was given) before the hours ahead the nurse picks.
LOOKBACK_HOURS = 12
HORIZONS = (24, 48, 72)
STATUS_LABELS = {"given": "donné", "not_given": "non donné", "delayed": "différé"}


@dataclass(frozen=True)
class Given:
    """One administration recorded in degraded mode."""

    at: dt.datetime
    status: str  # given not_given delayed
    dose: str
    author: str
    reason: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class Slot:
    due: dt.datetime
    given: Given | None


@dataclass(frozen=True)
class MarLine:
    key: str  # the prescription an administration names ("mirror:…", "care:…")
    drug: str
    dose: str
    route: str
    frequency: str
    slots: tuple[Slot, ...]  # empty: 'if needed' or no rounds known
    others: tuple[Given, ...]  # recorded in the window but on no due time


@dataclass(frozen=True)
class _Rx:
    key: str
    drug: str
    dose: str
    route: str
    frequency: str
    rounds: tuple[str, ...]


def _prescriptions(summary: Summary) -> list[_Rx]:
    """The mirror's active prescriptions, then those written in degraded mode."""
    found = [
        _Rx(p.key, p.drug, p.dose, p.route, p.frequency, p.rounds) for p in summary.prescriptions
    ]
    for e in summary.downtime:
        if e.kind == EntryKind.PRESCRIPTION and not e.cancelled:
            frequency = str(e.data.get("frequency", ""))
            found.append(
                _Rx(
                    f"care:{e.chain}",
                    str(e.data.get("drug_label", "")),
                    str(e.data.get("dose", "")),
                    str(e.data.get("route", "")),
                    frequency,
                    schedule.rounds(frequency),
                )
            )
    return found


def _given(entry: CareEntry) -> Given:
    data = entry.data
    return Given(
        at=entry.written_at,
        status=str(data.get("status", "")),
        dose=str(data.get("dose", "")),
        author=entry.author_label,
        reason=str(data.get("not_given_reason", "")),
    )


def _place(due: list[dt.datetime], records: list[Given]) -> tuple[tuple[Slot, ...], list[Given]]:
    """Each record on the nearest free due time within the window; the rest apart."""
    taken: dict[dt.datetime, Given] = {}
    others = []
    for record in sorted(records, key=lambda g: g.at):
        near = [d for d in due if d not in taken and abs(d - record.at) <= MATCH_WINDOW]
        if near:
            taken[min(near, key=lambda d: abs(d - record.at))] = record
        else:
            others.append(record)
    return tuple(Slot(d, taken.get(d)) for d in due), others


def grid(summary: Summary, start: dt.datetime, hours: int) -> list[MarLine]:
    """The patient's grid over (start, start + hours]."""
    end = start + dt.timedelta(hours=hours)
    records: dict[str, list[Given]] = {}
    for e in summary.downtime:
        if e.kind == EntryKind.ADMINISTRATION and start - MATCH_WINDOW < e.written_at <= end:
            records.setdefault(str(e.data.get("prescription", "")), []).append(_given(e))
    lines = []
    for rx in _prescriptions(summary):
        due = schedule.due_instants(rx.rounds, start, hours)
        slots, others = _place(due, records.get(rx.key, []))
        apart = tuple(g for g in others if g.at > start)
        lines.append(MarLine(rx.key, rx.drug, rx.dose, rx.route, rx.frequency, slots, apart))
    return lines


def window(now: dt.datetime, ahead: int) -> tuple[dt.datetime, int]:
    """The screen's grid: from the last ``LOOKBACK_HOURS`` (on the hour) to ``ahead`` hours on."""
    start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=LOOKBACK_HOURS)
    behind = math.ceil((now - start).total_seconds() / 3600)  # the current hour is ahead
    return start, behind + ahead
