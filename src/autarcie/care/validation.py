"""Checks of dates, places, doses and quantities that every care action applies before a save.

The actions call these (not only the screens), so the command line, the demo and any future
screen are refused the same way. Each refusal is a :class:`CareInputError` naming the field and
saying, in French, what to correct; a dose that looks wrong is a :class:`DoseWarning` the nurse
may confirm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from autarcie.care import fields as f
from autarcie.care.doses import dose_warnings
from autarcie.care.fields import PARIS, CareInputError
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.passage import PASSAGE_FIELDS
from autarcie.care.places import check_place
from autarcie.care.queries import Subject, current, subject_placement
from autarcie.core import clock
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Prescription, Stay

OLDEST_AGE = 120  # years; an older birth date is a typing slip
CONFIRM_DOSE = "Vérifiez, puis cochez « Je confirme cette dose » pour l'enregistrer."

# The date-and-time fields of each form, checked against the clock like the written time.
_MOMENT_FIELDS: dict[str, tuple[f.Field, ...]] = {
    EntryKind.PASSAGE: tuple(x for x in PASSAGE_FIELDS if x.type == "datetime"),
    EntryKind.RESULT: tuple(x for x in f.RESULT_FIELDS if x.type == "datetime"),
}
# Kinds whose written time may come before the stay: a passage opens it, a paper result may
# predate it (brought by the patient), an identity is not care.
_ANY_TIME = frozenset({EntryKind.IDENTITY, EntryKind.PASSAGE, EntryKind.RESULT})


class DoseWarning(CareInputError):
    """The dose does not match its prescription; recorded only once the nurse confirms it."""

    def __init__(self, warnings: list[str], given: str, prescribed: str) -> None:
        self.warnings = warnings
        self.given = given
        self.prescribed = prescribed
        super().__init__({"dose": " ".join([*warnings, CONFIRM_DOSE])})


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def check_not_future(moment: dt.datetime, field: str, label: str) -> None:
    """Refuse a time later than now plus the tolerated clock skew."""
    limit = clock.now() + dt.timedelta(minutes=settings.CARE_CLOCK_SKEW_MINUTES)
    if moment > limit:
        raise CareInputError(
            {
                field: f"{label} : {_local(moment)} est dans le futur (il est "
                f"{_local(clock.now())}) ; corrigez la date ou l'heure."
            }
        )


def check_birth_date(data: Mapping[str, Any]) -> None:
    """A birth date neither in the future nor more than 120 years ago (Paris day)."""
    if not data.get("birth_date"):
        return
    born = dt.date.fromisoformat(str(data["birth_date"]))
    today = clock.now().astimezone(PARIS).date()
    label = "Date de naissance"
    if born > today:
        raise CareInputError({"birth_date": f"{label} : {born:%d/%m/%Y} est dans le futur."})
    try:
        oldest = today.replace(year=today.year - OLDEST_AGE)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - OLDEST_AGE, day=28)
    if born < oldest:
        raise CareInputError(
            {
                "birth_date": f"{label} : {born:%d/%m/%Y} donnerait plus de {OLDEST_AGE} ans ; "
                "vérifiez l'année."
            }
        )


def stay_start(subject: Subject) -> dt.datetime | None:
    """When the subject's stay began, the earliest known: admission movement or mirror stay."""
    placed = subject_placement(subject)
    if placed is not None and placed.admitted_at is not None:
        return placed.admitted_at
    if subject.patient is None:
        return None
    starts = Stay.objects.filter(
        patient=subject.patient, status__in=PRESENT, admitted_at__isnull=False
    ).values_list("admitted_at", flat=True)
    return min((s for s in starts if s is not None), default=None)


def _check_after_stay_start(subject: Subject, moment: dt.datetime) -> None:
    start = stay_start(subject)
    if start is not None and moment < start:
        raise CareInputError(
            {
                "written_at": f"Heure écrite : {_local(moment)} est avant le début du séjour "
                f"({_local(start)}) ; corrigez la date ou l'heure."
            }
        )


def _movement_before(subject: Subject, moment: dt.datetime, exclude_chain: str) -> CareEntry | None:
    rows = current(subject.entries().filter(kind=EntryKind.MOVEMENT)).filter(
        cancelled=False, written_at__lte=moment
    )
    return rows.exclude(chain=exclude_chain).order_by("-written_at", "-pk").first()


def on_leave_at(subject: Subject, moment: dt.datetime, exclude_chain: str = "") -> bool:
    """Whether a leave was in progress at ``moment`` (the downtime movements, else the mirror).

    A new entry written after the last movement reads the placement already loaded for the
    request; a back-entry or a correction (which must not count itself) reads the movements.
    """
    placed = subject_placement(subject)
    if placed is not None and not exclude_chain and placed.since <= moment:
        return placed.status == "on_leave"
    last = _movement_before(subject, moment, exclude_chain)
    if last is not None:
        return bool(last.data.get("movement") == "leave")
    if subject.patient is None:
        return False
    return Stay.objects.filter(patient=subject.patient, status="on_leave").exists()


def _check_movement(
    subject: Subject, data: Mapping[str, Any], moment: dt.datetime, chain: str
) -> None:
    if data["movement"] == "return" and not on_leave_at(subject, moment, chain):
        raise CareInputError(
            {
                "movement": "Retour de permission : aucune permission n'est en cours pour ce "
                "patient à cette heure ; saisissez d'abord la permission, ou choisissez un "
                "autre mouvement."
            }
        )
    unit = data.get("unit_code") or (p.unit_code if (p := subject_placement(subject)) else "")
    if unit and (data.get("room") or data.get("bed")):
        check_place(unit, str(data.get("room", "")), str(data.get("bed", "")))


def check_entry(
    kind: str, data: Mapping[str, Any], subject: Subject, moment: dt.datetime, chain: str = ""
) -> None:
    """The checks of one care entry that need the clock or the patient's record.

    The written time itself was checked against the clock when it was read (``written_time``);
    ``chain`` is the record being corrected, left out of what it is checked against.
    """
    for field in _MOMENT_FIELDS.get(kind, ()):
        if data.get(field.name):
            value = dt.datetime.fromisoformat(str(data[field.name]))
            check_not_future(value, field.name, field.label)
    is_admission = kind == EntryKind.MOVEMENT and data.get("movement") == "admission"
    if kind not in _ANY_TIME and not is_admission:
        _check_after_stay_start(subject, moment)
    if kind == EntryKind.IDENTITY:
        check_birth_date(data)
    if kind == EntryKind.MOVEMENT:
        _check_movement(subject, data, moment, chain)


def prescribed_dose(key: str) -> str:
    """The dose of the prescription an administration refers to ("mirror:…" or "care:…")."""
    origin, _, ref = key.partition(":")
    if origin == "mirror":
        p = Prescription.objects.filter(rkey=ref).first()
        return f"{p.dose} {p.dose_unit}".strip() if p else ""
    entry = current(CareEntry.objects.filter(chain=ref)).first()
    return str(entry.data.get("dose", "")) if entry else ""


def check_dose(data: Mapping[str, Any], *, confirmed: bool) -> dict[str, Any] | None:
    """Raise :class:`DoseWarning` for a dubious dose not yet confirmed.

    Returns what the journal keeps of a confirmed warning (None when all agreed).
    """
    if data.get("status") != "given" or not data.get("dose"):
        return None
    prescribed = prescribed_dose(str(data["prescription"]))
    factor = settings.CARE_DOSE_WARNING_FACTOR
    warnings = dose_warnings(str(data["dose"]), prescribed, factor)
    if not warnings:
        return None
    if not confirmed:
        raise DoseWarning(warnings, str(data["dose"]), prescribed)
    return {"given": data["dose"], "prescribed": prescribed, "factor": factor, "warnings": warnings}


def stock_quantity_error(quantity: int) -> str | None:
    """What is wrong with a stock quantity above the configured maximum (None: nothing)."""
    maximum = settings.CARE_STOCK_MAX_QUANTITY
    if quantity <= maximum:
        return None
    shown = f"{maximum:,}".replace(",", "\u202f")
    return (
        f"Quantité : {quantity} dépasse le maximum de {shown} unités par saisie (un code CIP ou "
        "un numéro de lot tapé dans la quantité ?) ; corrigez la quantité, ou, si elle est "
        "juste, saisissez-la en plusieurs mouvements."
    )
