"""What an interpreted HL7 message changes in the store (records in, projections out)."""

from __future__ import annotations

from decimal import Decimal

from autarcie.formats.codes import UCUM, is_ucum, stored_system
from autarcie.mirror import records as r
from autarcie.mirror.clinical import ClinicalRecord, put_clinical, put_clinical_many
from autarcie.mirror.hl7.datatypes import Coded, Person, PersonName
from autarcie.mirror.hl7.documents import DocumentNotice
from autarcie.mirror.hl7.interpret import Interpretation
from autarcie.mirror.hl7.orders import AdministrationReport, PrescriptionOrder
from autarcie.mirror.hl7.pam import AccountMove, IdentityEvent, MovementEvent
from autarcie.mirror.hl7.patient import Allergy, PatientIdentity, received_identifiers
from autarcie.mirror.hl7.results import Observation, ResultReport, StructuredNumeric
from autarcie.mirror.hl7_documents import apply_document
from autarcie.mirror.stays import apply_movement
from autarcie.mirror.store import Store


def _name(name: PersonName | None) -> tuple[str, str]:
    return (name.family, name.given) if name else ("", "")


def _person(person: Person | None) -> str:
    if person is None:
        return ""
    return " ".join(p for p in (person.given, person.family) if p) or person.identifier


def _name_text(name: PersonName) -> str:
    return f"{name.type_code}:{name.family}^{name.given}"


def patient_record(identity: PatientIdentity) -> r.PatientRecord:
    birth_family, birth_given = _name(identity.legal_name)
    used_family, used_given = _name(identity.used_name)
    ins = identity.ins
    address = identity.addresses[0] if identity.addresses else None
    return r.PatientRecord(
        authority=identity.key.authority,
        ipp=identity.key.ipp,
        birth_family=birth_family,
        used_family=used_family if used_family != birth_family else "",
        given=birth_given or used_given,
        birth_date=identity.birth_date,
        sex=identity.sex,
        ins=ins.value if ins else "",
        ins_oid=ins.oid if ins else "",
        ins_trusted=identity.ins_trusted,
        statuses=identity.statuses,
        hidden="CACH" in identity.statuses,
        deceased=identity.deceased,
        birthplace_code=identity.birthplace.county_code if identity.birthplace else "",
        address=", ".join(p for p in (address.street, address.postal_code, address.city) if p)
        if address
        else "",
        identifiers=received_identifiers(identity),
        names=tuple(_name_text(n) for n in identity.names),
    )


def message_patient_id(store: Store, identity: PatientIdentity) -> int:
    """The patient a message is about. A message known by its qualified INS alone goes to the
    patient holding that INS, without touching the hospital's identity; when none does, it
    makes a provisional identity keyed by the INS, shown "INS seule, à rapprocher", which is
    never merged silently."""
    if identity.ins_only and identity.ins is not None:
        found = store.patient_by_ins(identity.ins.value, identity.ins.oid)
        if found is not None:
            return found
    return store.patient(patient_record(identity))


def _coded_label(coded: Coded | None) -> str:
    if coded is None:
        return ""
    return coded.label or coded.code


def _system(coded: Coded | None) -> str:
    return stored_system(coded.system, coded.oid) if coded is not None else ""


def _unit(units: Coded | None) -> tuple[str, str]:
    """OBX-6 as (unit, its system): the code (6.1) is the unit, its text only when no code.

    The system is UCUM's only when the sender names UCUM or the code parses as UCUM: a
    local unit keeps its text, never claimed as a UCUM code.
    """
    if units is None:
        return "", ""
    if not units.code:
        return units.label, ""
    ucum = is_ucum(units.code, units.system or units.oid)
    return units.code, UCUM if ucum else ""


def allergy_record(a: Allergy, patient_rkey: str) -> r.AllergyRecord:
    key = a.allergen.code or a.allergen.label
    return r.AllergyRecord(
        key=f"{patient_rkey}|allergy|{key}",
        label=a.allergen.label or a.allergen.code,
        code=a.allergen.code,
        system=a.allergen.system,
        category=a.category,
        severity=a.severity,
        reaction=", ".join(a.reactions),
    )


def _apply_identity_bits(
    store: Store, identity: PatientIdentity, allergies: tuple[Allergy, ...]
) -> int:
    rec = patient_record(identity)
    patient_id = store.patient(rec)
    for allergy in allergies:
        put_clinical(store, patient_id, allergy_record(allergy, rec.rkey))
    return patient_id


def apply_identity(store: Store, event: IdentityEvent) -> None:
    prior = event.prior
    if event.action == "change_identifier" and prior is not None and prior.key is not None:
        old = r.patient_rkey(prior.key.authority, prior.key.ipp)
        new = patient_record(event.patient)
        if old != new.rkey and store.patient_id(old) and not store.patient_id(new.rkey):
            store.rename_patient(old, new)
    survivor = _apply_identity_bits(store, event.patient, event.allergies)
    if event.action == "merge" and prior is not None and prior.key is not None:
        store.merge(survivor, r.patient_rkey(prior.key.authority, prior.key.ipp))


def apply_movement_event(store: Store, event: MovementEvent) -> None:
    patient_id = _apply_identity_bits(store, event.patient, event.allergies)
    visit, mv = event.visit, event.movement
    loc = visit.location
    unit = (loc.point_of_care if loc else "") or (mv.care_unit.code if mv.care_unit else "")
    stay = r.StayRef(
        authority=event.nda.authority,
        nda=event.nda.value,
        patient_class=visit.patient_class,
        admitted_at=visit.admitted_at,
    )
    record = r.MovementRecord(
        movement_id=mv.movement_id,
        kind=event.kind,
        trigger=event.header.trigger,
        action=mv.action,
        start=mv.start,
        unit_code=unit,
        room=loc.room if loc else "",
        bed=loc.bed if loc else "",
        medical_unit=mv.medical_unit.code if mv.medical_unit else "",
        nature=mv.nature,
        attending=_person(visit.attending[0] if visit.attending else None),
        patient_class=visit.patient_class,
        historic=mv.historic,
    )
    apply_movement(store, patient_id, stay, record)


def apply_account_move(store: Store, event: AccountMove) -> None:
    patient_id = _apply_identity_bits(store, event.patient, ())
    account = event.prior.account
    if account is not None:
        authority = account.authority
        store.move_stay(f"{authority}|{account.value}", patient_id)


def _value(obs: Observation) -> tuple[str, float | None]:
    texts: list[str] = []
    number: float | None = None
    for value in obs.values:
        if isinstance(value, Decimal):
            number = float(value)
            texts.append(format(value, "f"))
        elif isinstance(value, StructuredNumeric):
            number = float(value.number) if value.number is not None else None
            second = f"{value.separator}{value.second}" if value.second is not None else ""
            texts.append(f"{value.comparator}{value.number or ''}{second}")
        elif isinstance(value, Coded):
            texts.append(value.label or value.code)
        else:
            texts.append(value)
    return " ".join(texts)[:200], number


_RESULT_STATUS = {"W": "D"}


def apply_results(store: Store, report: ResultReport) -> None:
    patient_id = message_patient_id(store, report.patient)
    items: list[ClinicalRecord] = []
    for group in report.groups:
        order = group.filler_order or group.placer_order
        # A withdrawn order's results leave the summary; OBX-11 W ("posted as wrong", e.g.
        # on the wrong patient) is a deletion too. Earlier versions stay in the store.
        withdrawn = "D" if group.withdrawn else ""
        for obs in group.observations:
            value, number = _value(obs)
            unit, unit_system = _unit(obs.units)
            items.append(
                r.ResultRecord(
                    key=f"result|{order}|{obs.code.code}|{obs.sub_id}",
                    code=obs.code.code,
                    code_system=_system(obs.code),
                    label=obs.code.label or obs.code.code,
                    status=withdrawn or _RESULT_STATUS.get(obs.status, obs.status or "F"),
                    value=value,
                    value_num=number,
                    unit=unit[:40],
                    unit_system=unit_system,
                    reference_range=obs.reference_range,
                    flag=" ".join(obs.abnormal_flags),
                    panel_code=group.panel.code,
                    panel_label=group.panel.label,
                    observed_at=obs.observed_at or group.observed_at,
                ),
            )
        for doc in group.documents:
            items.append(
                r.DocumentRecord(
                    key=f"document|{order}|{doc.set_id}",
                    status=withdrawn or _RESULT_STATUS.get(doc.status, doc.status or "F"),
                    type_code=doc.code.code,
                    type_system=_system(doc.code),
                    type_label=doc.code.label,
                    title=doc.title or doc.code.label,
                    text=doc.text,
                    authored_at=doc.observed_at or group.observed_at,
                    confidential=report.confidential,
                ),
            )
    put_clinical_many(store, patient_id, items)


_ORDER_STATUS = {"CA": "cancelled", "DC": "stopped", "OD": "stopped", "CM": "completed"}


def apply_prescriptions(store: Store, order: PrescriptionOrder) -> None:
    patient_id = message_patient_id(store, order.patient)
    for p in order.prescriptions:
        status = _ORDER_STATUS.get(p.order.control) or _ORDER_STATUS.get(p.order.status, "active")
        put_clinical(
            store,
            patient_id,
            r.PrescriptionRecord(
                key=f"prescription|{p.order.placer_id or p.order.filler_id}",
                drug_label=p.drug.label or p.drug.code,
                drug_code=p.drug.code,
                drug_system=_system(p.drug),
                status=status,
                dose=format(p.dose, "f") if p.dose is not None else "",
                dose_unit=_coded_label(p.unit),
                route=_coded_label(p.route),
                frequency=p.frequency,
                start=p.start,
                end=p.end,
                prescriber=_person(p.order.prescriber),
                stay_nda=order.patient.nda.value if order.patient.nda else "",
            ),
        )


def apply_administrations(store: Store, report: AdministrationReport) -> None:
    patient_id = message_patient_id(store, report.patient)
    for a in report.administrations:
        order = a.order.placer_id or a.order.filler_id
        put_clinical(
            store,
            patient_id,
            r.AdministrationRecord(
                key=f"administration|{order}|{a.start.isoformat()}",
                drug_label=a.drug.label or a.drug.code,
                status=a.completion_status or "CP",
                given_at=a.start,
                dose=f"{a.amount or ''} {_coded_label(a.unit)}".strip(),
                prescription_key=f"prescription|{order}",
            ),
        )


def apply(store: Store, meaning: Interpretation) -> bool:
    """Apply a meaning; False when the message is kept but changes nothing (unknown event)."""
    if isinstance(meaning, IdentityEvent):
        apply_identity(store, meaning)
    elif isinstance(meaning, MovementEvent):
        apply_movement_event(store, meaning)
    elif isinstance(meaning, AccountMove):
        apply_account_move(store, meaning)
    elif isinstance(meaning, ResultReport):
        apply_results(store, meaning)
    elif isinstance(meaning, DocumentNotice):
        apply_document(store, store.patient(patient_record(meaning.patient)), meaning)
    elif isinstance(meaning, PrescriptionOrder):
        apply_prescriptions(store, meaning)
    elif isinstance(meaning, AdministrationReport):
        apply_administrations(store, meaning)
    else:
        return False
    return True
