"""What a kit prints, as plain picklable dataclasses: no Django, so workers can render them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MASKED_NAME = "IDENTITÉ MASQUÉE"
NNBSP = "\u202f"  # narrow no-break space: French typography before ; : ! ? and in numbers


@dataclass(frozen=True)
class Med:
    drug: str
    dose: str
    route: str
    frequency: str
    prescriber: str
    start: dt.datetime | None
    rounds: tuple[str, ...]  # local clock times "HH:MM"; empty: if needed or unknown


@dataclass(frozen=True)
class Lab:
    label: str
    value: str
    unit: str
    reference_range: str
    flag: str
    observed_at: dt.datetime | None
    previous: str

    @property
    def abnormal(self) -> bool:
        return self.flag.strip().upper() not in ("", "N")


@dataclass(frozen=True)
class Panel:
    title: str
    lines: tuple[Lab, ...]


@dataclass(frozen=True)
class Report:
    title: str
    authored_at: dt.datetime | None
    text: str


@dataclass(frozen=True)
class PatientSheet:
    patient_id: int
    ipp: str
    birth_family: str
    used_family: str
    given: str
    sex: str
    birth_date: dt.date | None
    age: int | None
    hidden: bool
    ins: str  # empty unless the INS is qualified (trusted)
    ins_status: str
    room: str
    bed: str
    admitted_at: dt.datetime | None
    attending: str
    on_leave: bool
    allergies: tuple[str, ...] = ()  # reconciled, French: "Pénicilline (médicament) — sévère"
    allergy_names: tuple[str, ...] = ()  # the same, short for the banner: "Pénicilline (sévère)"
    # Printed when ``allergies`` is empty: "Aucune allergie connue" only when a feed said so.
    allergy_status: str = "Allergies non renseignées"
    conditions: tuple[str, ...] = ()
    meds: tuple[Med, ...] = ()
    panels: tuple[Panel, ...] = ()
    reports: tuple[Report, ...] = ()
    downtime: tuple[str, ...] = ()  # what was recorded in degraded mode, newest first
    temporary: bool = False  # admitted in degraded mode: ``ipp`` holds the temporary id

    @property
    def id_kind(self) -> str:
        return "ID TEMP" if self.temporary else "IPP"

    def real_name(self) -> str:
        family = self.used_family or self.birth_family
        return f"{family} {self.given}".strip()

    def printed_name(self) -> str:
        """The masking convention: a hidden identity never appears by name on a sheet."""
        return MASKED_NAME if self.hidden else self.real_name()

    def printed_birth(self) -> str:
        if self.hidden:
            return "masquée"
        return french_date(self.birth_date)

    def allergy_banner(self) -> str:
        """What every page's banner says of allergies: the names, or why there is none."""
        return " ; ".join(self.allergy_names or self.allergies) or self.allergy_status

    def bed_label(self) -> str:
        return f"{self.room}-{self.bed}" if self.bed else self.room


@dataclass(frozen=True)
class UnitKit:
    build_id: str
    unit_code: str
    unit_label: str
    emergency: bool
    hospital: str
    generated_at: dt.datetime
    data_as_of: dt.datetime | None
    head_seq: int
    head_hash: str
    patients: tuple[PatientSheet, ...]
    admission_ids: tuple[str, ...] = ()
    passage_ids: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def french_date(day: dt.date | dt.datetime | None) -> str:
    """A calendar date; an instant is first brought to Paris (an entry at 00:30 Paris time is
    22:30 or 23:30 UTC the day before)."""
    if day is None:
        return "—"
    if isinstance(day, dt.datetime):
        day = day.astimezone(PARIS)
    return day.strftime("%d/%m/%Y")


def french_moment(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def french_time(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%H:%M")


_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def french_day(moment: dt.datetime) -> str:
    local = moment.astimezone(PARIS)
    return f"{_DAYS[local.weekday()]} {local:%d/%m}"


def french_text(text: str) -> str:
    """Narrow no-break spaces before the high punctuation marks, as French print requires."""
    out: list[str] = []
    for index, char in enumerate(text):
        if char in ";:!?" and index > 0:
            if out and out[-1] == " ":
                out[-1] = NNBSP
            elif out and out[-1] not in (NNBSP, "/") and not out[-1].isdigit():
                out.append(NNBSP)
        out.append(char)
    return "".join(out)
