"""The patient banner of every patient screen: who, where, allergies, identity, data freshness.

One builder for the summary, the care record and every care form, so that a screen about a
patient cannot show less. It lives in care because the care screens may read only care and the
mirror; the viewer reaches it through ``autarcie.chart.banner``, which gives it the chart's
allergy list. The page template is ``patient_base.html``: a patient screen extends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from autarcie.care import fields as f
from autarcie.care.models import CareEntry, EntryKind, TempPatient
from autarcie.care.queries import Subject, current, subject_placement
from autarcie.core import clock
from autarcie.core.html_rows import DAY, PARIS, local_time
from autarcie.mirror.allergies import AllergyState, PatientAllergies, for_patient
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.freshness import state_and_data_as_of
from autarcie.mirror.identity import INS_ONLY, age, ins_status
from autarcie.mirror.models import Patient, Stay

_SEXES = {"F": "féminin", "M": "masculin", "U": "sexe inconnu", "": "sexe inconnu"}
_WHEREABOUTS = {"on_leave": "en permission", "discharged": "sorti(e)", "admitted": "présent(e)"}
MOMENT = "%d/%m/%Y à %H:%M"
# Said after "ALLERGIES :" on the banner and the printed sheets when no allergy is listed.
NONE_KNOWN = "aucune allergie connue"
NOT_RECORDED = "non renseignées — à rechercher"


@dataclass(frozen=True)
class Allergies:
    """A patient's allergies as the banner says them: a list, or a sentence when none."""

    items: tuple[str, ...]
    note: str = ""  # what is said instead of a list


@dataclass(frozen=True)
class Place:
    unit_code: str
    room: str
    bed: str
    whereabouts: str  # présent(e), en permission, sorti(e); empty when unknown
    downtime: bool  # placed by a movement recorded in degraded mode
    nda: str


@dataclass(frozen=True)
class Banner:
    """Everything the banner template prints, formatted (French, Paris time)."""

    name: str
    born_as: str  # the birth name, when another name is used
    sex: str
    birth_date: str
    age: str  # "74 ans", empty when the birth date is unknown
    temporary: bool
    identifier: str  # IPP, or the temporary identifier
    identity_status: str  # qualifiée, validée, récupérée, provisoire
    ins: str  # only a qualified INS
    hidden: bool
    place: Place | None
    allergies: Allergies
    data_as_of: str
    frozen: bool
    frozen_at: str

    @property
    def id_label(self) -> str:
        return "Identifiant provisoire" if self.temporary else "IPP"

    @property
    def ins_only(self) -> bool:
        """Known by its qualified INS alone (an outside result): to reconcile by hand."""
        return self.identity_status == INS_ONLY


def reconciled(found: PatientAllergies) -> Allergies:
    """The mirror's allergies, reconciled across feeds, as the banner says them."""
    if found.items:
        return Allergies(found.lines())
    if found.state is AllergyState.NONE_KNOWN:
        return Allergies((), NONE_KNOWN)
    return Allergies((), NOT_RECORDED)


def mirror_allergies(patient: Patient) -> Allergies:
    return reconciled(for_patient(patient.pk))


def _from_identity(data: dict[str, object]) -> Allergies:
    text = str(data.get("allergies") or "")
    items = tuple(line.strip() for line in text.splitlines() if line.strip())
    if items:
        return Allergies(items)
    if data.get("allergy_status") == f.ALLERGY_NONE:
        return Allergies((), NONE_KNOWN)
    return Allergies((), NOT_RECORDED)


def temp_allergies(temp_ids: Iterable[int]) -> dict[int, Allergies]:
    """What the latest identity version of each temporary patient says about allergies."""
    ids = list(temp_ids)
    rows = current(CareEntry.objects.filter(kind=EntryKind.IDENTITY, temp_patient_id__in=ids))
    latest: dict[int, CareEntry] = {}
    for entry in rows.filter(cancelled=False).order_by("written_at", "pk"):
        latest[int(entry.temp_patient_id or 0)] = entry
    return {pk: _from_identity(latest[pk].data if pk in latest else {}) for pk in ids}


def _place(subject: Subject) -> Place | None:
    stay = None
    if subject.patient is not None:
        present = Stay.objects.filter(patient=subject.patient, status__in=PRESENT)
        stay = present.order_by("-admitted_at", "-pk").first()
    nda = stay.nda if stay is not None else ""
    placed = subject_placement(subject)
    if placed is not None:
        where = _WHEREABOUTS.get(placed.status, "")
        return Place(placed.unit_code, placed.room, placed.bed, where, True, nda)
    if stay is not None:
        where = _WHEREABOUTS.get(stay.status, "")
        return Place(stay.unit_code, stay.room, stay.bed, where, False, nda)
    if subject.temp is not None:
        return Place(subject.temp.unit_code, "", "", "", True, "")
    return None


def _age_text(years: int | None) -> str:
    if years is None:
        return ""
    if years < 1:
        return "moins d'un an"
    return f"{years} an{'s' if years > 1 else ''}"


def _identity(who: Patient | TempPatient) -> tuple[str, str, str]:
    """(identifier, identity status, qualified INS)."""
    if isinstance(who, TempPatient):
        return who.tempid, "provisoire", ""
    status = ins_status(who.statuses, who.ins_trusted, who.authority)
    ipp = "non reçu" if who.ins_only else who.ipp  # keyed by its INS: no IPP to show
    return ipp, status, who.ins if who.ins_trusted else ""


def build(
    subject: Subject, *, allergies: Allergies | None = None, now: dt.datetime | None = None
) -> Banner:
    """The banner of ``subject``; ``allergies`` when the caller has read them already."""
    who = subject.who
    if allergies is None:
        allergies = (
            mirror_allergies(subject.patient)
            if subject.patient is not None
            else temp_allergies([who.pk])[who.pk]
        )
    years = age(who.birth_date, (now or clock.now()).astimezone(PARIS).date())  # Paris's today
    identifier, status, ins = _identity(who)
    state, as_of = state_and_data_as_of()
    return Banner(
        name=subject.display_name,
        born_as=who.birth_family if who.used_family and who.used_family != who.birth_family else "",
        sex=_SEXES.get(who.sex, who.sex),
        birth_date=who.birth_date.strftime(DAY) if who.birth_date else "?",
        age=_age_text(years),
        temporary=subject.temp is not None,
        identifier=identifier,
        identity_status=status,
        ins=ins,
        hidden=isinstance(who, Patient) and who.hidden,
        place=_place(subject),
        allergies=allergies,
        data_as_of=local_time(as_of, MOMENT, "—"),
        frozen=state.frozen,
        frozen_at=local_time(state.frozen_at, MOMENT, "—"),
    )
