"""What the administration grid and emergency board pages show, as plain French strings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.chart.emergency import EdLine
from autarcie.chart.mar import Given, MarLine, Slot
from autarcie.chart.queries import Summary
from autarcie.core.html_rows import DAY, DAY_TIME, PARIS, local_time
from autarcie.formats.ucum import french_number

# The hospital's masking convention on paper, as the kits print it (kits.content.MASKED_NAME).
MASKED_NAME = "IDENTITÉ MASQUÉE"
DASH = "—"
_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def day_label(moment: dt.datetime) -> str:
    local = moment.astimezone(PARIS)
    return f"{_DAYS[local.weekday()]} {local:%d/%m}"


@dataclass(frozen=True)
class Bed:
    unit_code: str
    room: str
    bed: str
    admitted_at: str
    attending: str


@dataclass(frozen=True)
class Identity:
    name: str
    born_as: str  # the birth name, when another name is used
    birth_date: str
    nda: str
    bed: Bed | None  # None without a stay


def identity(summary: Summary) -> Identity:
    p, stay = summary.patient, summary.stay
    bed = None
    if stay is not None:
        admitted = local_time(stay.admitted_at, DAY_TIME, DASH)
        bed = Bed(stay.unit_code, stay.room or DASH, stay.bed or DASH, admitted, stay.attending)
    return Identity(
        name=f"{p.used_family or p.birth_family} {p.given}",
        born_as=p.birth_family if p.used_family and p.used_family != p.birth_family else "",
        birth_date=p.birth_date.strftime(DAY) if p.birth_date else "?",
        nda=stay.nda if stay is not None else "",
        bed=bed,
    )


@dataclass(frozen=True)
class Box:
    """One due time of the grid and what happened at it."""

    day: str
    time: str
    state: str  # given not_given delayed missing todo (the CSS class and the test's hook)
    text: str


def given_text(g: Given) -> str:
    parts = [f"{g.status_label} à {local_time(g.at, '%H:%M')}"]
    if g.dose:
        parts.append(french_number(g.dose))
    if g.reason:
        parts.append(g.reason)
    parts.append(g.author)
    return " · ".join(parts)


def box(slot: Slot, now: dt.datetime) -> Box:
    day, time = day_label(slot.due), local_time(slot.due, "%H:%M")
    if slot.given is not None:
        return Box(day, time, slot.given.status, given_text(slot.given))
    if slot.due <= now:
        return Box(day, time, "missing", "non tracé")
    return Box(day, time, "todo", "")


@dataclass(frozen=True)
class GridLine:
    drug: str
    detail: str  # dose · route · frequency
    boxes: list[Box]
    others: list[str]  # administrations on no due time ('if needed', off schedule)


@dataclass(frozen=True)
class MarSheet:
    """One patient's grid: who, allergies, and the lines."""

    patient_id: int
    ipp: str
    hidden: bool  # printed under the masking convention, as the kit prints it
    who: Identity
    allergies: list[str]  # the reconciled lines, or what was said when none is listed
    allergic: bool
    lines: list[GridLine]


def mar_sheet(summary: Summary, lines: list[MarLine], now: dt.datetime) -> MarSheet:
    grid = [
        GridLine(
            drug=m.drug,
            detail=" · ".join(x for x in (french_number(m.dose), m.route, m.frequency) if x),
            boxes=[box(s, now) for s in m.slots],
            others=[f"{day_label(g.at)} {given_text(g)}" for g in m.others],
        )
        for m in lines
    ]
    return MarSheet(
        patient_id=summary.patient.pk,
        ipp=summary.patient.ipp,
        hidden=summary.patient.hidden,
        who=identity(summary),
        allergies=list(summary.allergy_status.lines()) or [summary.allergy_status.label],
        allergic=bool(summary.allergy_status.items),
        lines=grid,
    )


@dataclass(frozen=True)
class BoardRow:
    line: EdLine
    arrival: str
    waiting: str


def board_rows(lines: list[EdLine], now: dt.datetime) -> list[BoardRow]:
    return [BoardRow(x, local_time(x.arrival, "%d/%m %H:%M", "—"), x.waiting(now)) for x in lines]
