"""Every downtime change about a patient: admit, record, correct. Atomic and journaled."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from autarcie.care import fields as f
from autarcie.care import validation
from autarcie.care.access import check_unit, check_write
from autarcie.care.fields import CareInputError, parse_moment
from autarcie.care.models import CareEntry, EntryKind, TempPatient
from autarcie.care.passage import clean_passage
from autarcie.care.places import check_place
from autarcie.care.queries import Subject, current, find_duplicates, subject_of, subject_units
from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import Unit, User
from autarcie.core.tempids import block_of, is_valid
from autarcie.mirror.models import Prescription

WrittenAt = dt.datetime | str | None
Cleaner = Callable[[Mapping[str, Any], Subject], dict[str, Any]]


class PossibleDuplicate(AutarcieError):
    """The identity looks like one already known; the person must look before going on."""

    def __init__(self, candidates: list[Any]) -> None:
        self.candidates = candidates
        super().__init__(
            "Doublon possible : vérifiez les identités proches avant de créer celle-ci."
        )


def author_fields(actor: Actor) -> tuple[User | None, str]:
    if isinstance(actor, User):
        return actor, actor.username
    return None, actor


def written_time(value: WrittenAt) -> dt.datetime:
    if value is None or value == "":
        return clock.now()
    try:
        moment = parse_moment(value)
    except ValueError as exc:
        raise CareInputError({"written_at": f"Heure écrite : {exc}"}) from None
    validation.check_not_future(moment, "written_at", "Heure écrite")
    return moment


def _prescription_choices(subject: Subject) -> dict[str, str]:
    """Key -> label of the prescriptions an administration may refer to."""
    # The label is what an administration keeps and shows: drug, dose and route together.
    choices: dict[str, str] = {}
    if subject.patient is not None:
        for p in Prescription.objects.filter(patient=subject.patient, active=True):
            choices[f"mirror:{p.rkey}"] = _drug_label(
                p.drug_label, f"{p.dose} {p.dose_unit}", p.route
            )
    downtime = current(subject.entries().filter(kind=EntryKind.PRESCRIPTION)).filter(
        cancelled=False
    )
    for e in downtime:
        d = e.data
        choices[f"care:{e.chain}"] = _drug_label(d.get("drug_label"), d.get("dose"), d.get("route"))
    return choices


def _drug_label(drug: object, dose: object, route: object) -> str:
    parts = (str(part or "").strip() for part in (drug, dose))
    label = " ".join(part for part in parts if part)
    return f"{label} — {route}" if route else label


def prescription_choices(subject: Subject) -> tuple[tuple[str, str], ...]:
    return tuple(_prescription_choices(subject).items())


def _clean_administration(raw: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    choices = _prescription_choices(subject)
    spec = tuple(
        f.Field(x.name, x.label, x.type, x.required, tuple(choices.items()))
        if x.name == "prescription"
        else x
        for x in f.ADMINISTRATION_FIELDS
    )
    data = f.clean_fields(spec, raw)
    f.check_administration(data)
    data["drug_label"] = choices[data["prescription"]]
    return data


def _clean_movement(raw: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    data = f.clean_fields(f.MOVEMENT_FIELDS, raw)
    f.check_movement(data)
    if data["unit_code"] and not Unit.objects.filter(code=data["unit_code"]).exists():
        raise CareInputError({"unit_code": f"Unité « {data['unit_code']} » inconnue."})
    return data


def _simple(
    fields: tuple[f.Field, ...], extra: Callable[[dict[str, Any]], None] | None = None
) -> Cleaner:
    def clean(raw: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
        data = f.clean_fields(fields, raw)
        if extra is not None:
            extra(data)
        return data

    return clean


def _clean_passage(raw: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    return clean_passage(raw, sex=subject.sex, birth_date=subject.birth_date)


def _clean_identity(raw: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    if subject.temp is not None:
        raw = {**raw, "tempid": subject.temp.tempid}  # the identifier itself never changes
    data = f.clean_fields(f.IDENTITY_FIELDS, raw)
    f.check_allergies(data)
    return data


CLEANERS: dict[str, Cleaner] = {
    EntryKind.IDENTITY: _clean_identity,
    EntryKind.MOVEMENT: _clean_movement,
    EntryKind.PASSAGE: _clean_passage,
    EntryKind.VITALS: _simple(f.VITALS_FIELDS, f.check_vitals),
    EntryKind.ADMINISTRATION: _clean_administration,
    EntryKind.PRESCRIPTION: _simple(f.PRESCRIPTION_FIELDS),
    EntryKind.NOTE: _simple(f.NOTE_FIELDS),
    EntryKind.RESULT: _simple(f.RESULT_FIELDS),
}


def _unit_of(subject: Subject, data: Mapping[str, Any]) -> str:
    if data.get("unit_code"):
        return str(data["unit_code"])
    units = sorted(subject_units(subject))
    return units[0] if units else ""


def _save(
    *,
    actor: Actor,
    subject: Subject,
    kind: str,
    data: dict[str, Any],
    written_at: dt.datetime,
    unit_code: str,
    chain: str | None = None,
    version: int = 1,
    reason: str = "",
    cancelled: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> CareEntry:
    author, label = author_fields(actor)
    entry = CareEntry.objects.create(
        chain=chain or uuid.uuid4().hex,
        version=version,
        reason=reason,
        cancelled=cancelled,
        written_at=written_at,
        typed_at=clock.now(),
        author=author,
        author_label=label,
        kind=kind,
        patient=subject.patient,
        temp_patient=subject.temp,
        unit_code=unit_code,
        data=data,
    )
    target_type, target_id = subject.target
    details = {"entry": entry.pk, "kind": kind, "version": version, "unit": entry.unit_code}
    if version > 1:
        details |= {"reason": reason, "cancelled": cancelled}
    if kind == EntryKind.MOVEMENT:
        details["movement"] = data.get("movement", "")
    details |= extra or {}
    action = Action.CARE_ENTRY_RECORDED if version == 1 else Action.CARE_ENTRY_CORRECTED
    record(action, actor=actor, target_type=target_type, target_id=target_id, details=details)
    return entry


def record_entry(
    *,
    actor: Actor,
    subject: Subject,
    kind: str,
    data: Mapping[str, Any],
    written_at: WrittenAt = None,
    confirm_dose: bool = False,
) -> CareEntry:
    """Record one form about a patient; ``written_at`` is the clinical time on the paper.

    A dose that does not match its prescription raises :class:`validation.DoseWarning` until
    the nurse confirms it (``confirm_dose``); the confirmation goes into the journal entry.
    """
    if kind == EntryKind.IDENTITY:
        raise AutarcieError("an identity is created by admit_temporary, corrected by correct_entry")
    check_write(actor, kind, subject)
    moment = written_time(written_at)
    clean = CLEANERS[kind](data, subject)
    validation.check_entry(kind, clean, subject, moment)
    extra = _dose_confirmation(kind, clean, confirm_dose)
    # A transfer is decided by the unit the patient leaves, whatever the destination; an
    # admission needs the admitting unit in one's scope.
    if kind == EntryKind.MOVEMENT and clean["movement"] == "admission":
        check_unit(actor, clean["unit_code"])
    unit = _unit_of(subject, clean)  # read before the write lock is taken
    with transaction.atomic():
        entry = _save(
            actor=actor,
            subject=subject,
            kind=kind,
            data=clean,
            written_at=moment,
            unit_code=unit,
            extra=extra,
        )
    if kind == EntryKind.MOVEMENT:
        subject.forget_units()
    return entry


def _dose_confirmation(kind: str, clean: dict[str, Any], confirmed: bool) -> dict[str, Any]:
    """Journal details of a dose warning the nurse confirmed; shown with the entry too."""
    if kind != EntryKind.ADMINISTRATION:
        return {}
    confirmation = validation.check_dose(clean, confirmed=confirmed)
    if confirmation is None:
        return {}
    clean["warnings"] = [f"Dose confirmée malgré l'alerte — {w}" for w in confirmation["warnings"]]
    return {"dose_confirmed": confirmation}


def _check_tempid(tempid: str) -> str:
    value = tempid.strip().upper()
    if not is_valid(value):
        raise CareInputError(
            {"tempid": f"Identifiant provisoire « {tempid} » invalide (lettre de contrôle)."}
        )
    if block_of(value) is None:
        raise CareInputError(
            {
                "tempid": f"L'identifiant {value} n'a été attribué à aucun bloc : prenez une "
                "étiquette des formulaires imprimés ou demandez un bloc à l'administrateur."
            }
        )
    if TempPatient.objects.filter(tempid=value).exists():
        raise CareInputError({"tempid": f"L'identifiant {value} est déjà utilisé."})
    return value


def admit_temporary(
    *,
    actor: Actor,
    identity: Mapping[str, Any],
    unit_code: str,
    room: str = "",
    bed: str = "",
    written_at: WrittenAt = None,
    accept_duplicates: bool = False,
) -> TempPatient:
    """Admit a patient under a temporary identifier: identity (PROV) and admission movement.

    Likely duplicates are refused with :class:`PossibleDuplicate` unless the person has looked
    at them and confirmed (``accept_duplicates``); nothing is ever merged.
    """
    check_write(actor, EntryKind.IDENTITY)
    check_unit(actor, unit_code)
    moment = written_time(written_at)
    data = f.clean_fields(f.IDENTITY_FIELDS, identity)
    f.check_allergies(data)
    validation.check_birth_date(data)
    data["tempid"] = _check_tempid(data["tempid"])
    if not Unit.objects.filter(code=unit_code).exists():
        raise CareInputError({"unit_code": f"Unité « {unit_code} » inconnue."})
    check_place(unit_code, room, bed)
    birth = dt.date.fromisoformat(data["birth_date"]) if data["birth_date"] else None
    candidates = find_duplicates(data["birth_family"], data["given"], birth, data["sex"])
    if data["used_family"]:
        candidates += find_duplicates(data["used_family"], data["given"], birth, data["sex"])
    if candidates and not accept_duplicates:
        raise PossibleDuplicate(candidates)
    with transaction.atomic():
        temp = TempPatient.objects.create(
            tempid=data["tempid"],
            birth_family=data["birth_family"],
            used_family=data["used_family"],
            given=data["given"],
            birth_date=birth,
            sex=data["sex"],
            birthplace=data["birthplace"],
            unit_code=unit_code,
            created_at=clock.now(),
            created_by=author_fields(actor)[1],
        )
        subject = Subject(temp=temp)
        record(
            Action.CARE_PATIENT_ADMITTED,
            actor=actor,
            target_type="temp_patient",
            target_id=temp.pk,
            details={
                "tempid": temp.tempid,
                "unit": unit_code,
                "possible_duplicates": [c.identifier for c in candidates],
            },
        )
        for kind, data_of_kind in (
            (EntryKind.IDENTITY, data),
            (
                EntryKind.MOVEMENT,
                {"movement": "admission", "unit_code": unit_code, "room": room, "bed": bed},
            ),
        ):
            _save(
                actor=actor,
                subject=subject,
                kind=kind,
                data=data_of_kind,
                written_at=moment,
                unit_code=unit_code,
            )
    return temp


def correct_entry(
    *,
    actor: Actor,
    entry: CareEntry,
    reason: str,
    data: Mapping[str, Any] | None = None,
    cancel: bool = False,
    written_at: WrittenAt = None,
    confirm_dose: bool = False,
) -> CareEntry:
    """Append a new version of ``entry`` (or a cancellation) with its reason; never overwrite.

    The new version is checked like a new entry (a cancellation is not: it removes).
    """
    subject = subject_of(entry)
    check_write(actor, entry.kind, subject)
    if not reason.strip():
        raise CareInputError({"reason": "Motif de la correction : obligatoire."})
    moment = written_time(written_at) if written_at else entry.written_at
    clean = dict(entry.data) if cancel else CLEANERS[entry.kind](data or {}, subject)
    extra: dict[str, Any] = {}
    if not cancel:
        validation.check_entry(entry.kind, clean, subject, moment, chain=entry.chain)
        extra = _dose_confirmation(entry.kind, clean, confirm_dose)
    unit = _unit_of(subject, clean)
    with transaction.atomic():
        latest = CareEntry.objects.filter(chain=entry.chain).order_by("-version").first()
        if latest is None or latest.version != entry.version:
            raise AutarcieError(
                "Cette saisie a déjà été corrigée par quelqu'un d'autre : rechargez la page."
            )
        if entry.kind == EntryKind.IDENTITY and subject.temp is not None and not cancel:
            _update_identity(subject.temp, clean)
        corrected = _save(
            actor=actor,
            subject=subject,
            kind=entry.kind,
            data=clean,
            written_at=moment,
            unit_code=unit,
            chain=entry.chain,
            version=entry.version + 1,
            reason=reason.strip(),
            cancelled=cancel,
            extra=extra,
        )
    if entry.kind == EntryKind.MOVEMENT:
        subject.forget_units()
    return corrected


def _update_identity(temp: TempPatient, data: Mapping[str, Any]) -> None:
    """The temporary patient row shows the latest identity version."""
    temp.birth_family = data["birth_family"]
    temp.used_family = data["used_family"]
    temp.given = data["given"]
    temp.birth_date = dt.date.fromisoformat(data["birth_date"]) if data["birth_date"] else None
    temp.sex = data["sex"]
    temp.birthplace = data["birthplace"]
    temp.save(
        update_fields=["birth_family", "used_family", "given", "birth_date", "sex", "birthplace"]
    )
