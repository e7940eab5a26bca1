"""HL7 v2.5 PAM France segment builders shared by ADT, ORU and RDE messages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from autarcie.demo.synth.hospital import Hospital, Practitioner
from autarcie.demo.synth.people import INS_TEST_OID, Patient
from autarcie.demo.synth.rpu import TRANSPORT_TO_PV2_38
from autarcie.demo.synth.stays import Location, VisitSnapshot

PARIS = ZoneInfo("Europe/Paris")
RECEIVER = "AUTARCIE"
INS_AUTHORITY = f"ASIP-SANTE-INS-NIR&{INS_TEST_OID}&ISO"
_ESCAPES = str.maketrans({"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"})


def esc(text: str) -> str:
    """Escape HL7 delimiters in free text."""
    return text.translate(_ESCAPES).replace("\r", " ").replace("\n", " ")


def ts(moment: dt.datetime | None) -> str:
    """HL7 timestamp in French local time, without offset (PAM FR convention)."""
    return moment.astimezone(PARIS).strftime("%Y%m%d%H%M%S") if moment else ""


def segment(*fields: str) -> str:
    """One segment with its trailing empty fields dropped."""
    values = list(fields)
    while values and not values[-1]:
        values.pop()
    return "|".join(values)


def placed(name: str, fields: dict[int, str]) -> str:
    """A segment from {field number: value}, so positions are explicit."""
    last = max(fields)
    return segment(name, *(fields.get(i, "") for i in range(1, last + 1)))


def msh(hospital: Hospital, at: dt.datetime, kind: str, control_id: str, profile: str) -> str:
    """MSH with sending application/facility, a unique control id and the French profile."""
    head = (
        f"MSH|^~\\&|{hospital.sending_application}|{hospital.finess}|{RECEIVER}|"
        f"{hospital.finess}|{ts(at)}||{kind}|{control_id}|P|2.5^FRA^2.11|||||FRA|"
        "UNICODE UTF-8|FR"
    )
    return f"{head}||{profile}" if profile else head


PAM_PROFILE = "2.11^IHE_FRANCE-2.11-PAM"
CDA_PROFILE = "2.1^CISIS_CDA_HL7_V2"


def evn(at: dt.datetime, occurred: dt.datetime | None = None) -> str:
    return segment("EVN", "", ts(at), "", "", "", ts(occurred or at))


def patient_identifiers(hospital: Hospital, patient: Patient, ins: str | None) -> str:
    """PID-3: the IPP, plus the INS only for a validated identity (PAM FR rule)."""
    ids = f"{patient.ipp}^^^{hospital.authority}^PI"
    if ins and "VALI" in patient.statuses:
        ids += f"~{ins}^^^{INS_AUTHORITY}^INS"
    return ids


def pid(hospital: Hospital, patient: Patient, nda: str = "") -> str:
    """PID with birth and used names, birthplace, NDA and the PID-32 identity status."""
    names = f"{esc(patient.birth_name)}^{esc(patient.given)}^{esc(patient.given_list)}^^^^L"
    if patient.family != patient.birth_name:
        names += f"~{esc(patient.family)}^{esc(patient.given)}^^^^^D"
    address = patient.address
    addresses = (
        f"{esc(address.street)}^^{esc(address.commune.name)}^^{address.commune.postcode}"
        f"^FRA^H~^^^^^^BDL^^{patient.birthplace.insee}"
    )
    return placed(
        "PID",
        {
            1: "1",
            3: patient_identifiers(hospital, patient, patient.ins),
            5: names,
            7: patient.birth_date.strftime("%Y%m%d"),
            8: patient.sex,
            11: addresses,
            13: f"{patient.phone}^PRN^CP",
            18: f"{nda}^^^{hospital.authority}^AN" if nda else "",
            32: "~".join(patient.statuses),
        },
    )


def location(hospital: Hospital, place: Location | None) -> str:
    """PV1-3 / PV1-6: `UF^room^bed^facility^status`."""
    if place is None:
        return ""
    facility = f"{hospital.sending_application}&{hospital.finess}&M"
    return f"{place.unit}^{place.room}^{place.bed}^{facility}^O"


def doctor(person: Practitioner) -> str:
    """XCN for PV1-7; the number is synthetic, hence the synthetic authority."""
    return f"{person.rpps}^{esc(person.family)}^{esc(person.given)}^^^Dr^^^SYNTH-RPPS"


def pv1(hospital: Hospital, visit: VisitSnapshot | None) -> str:
    """PV1; ITI-30 identity messages send class N and nothing else."""
    if visit is None:
        return "PV1|1|N"
    return placed(
        "PV1",
        {
            1: "1",
            2: visit.patient_class,
            3: location(hospital, visit.location),
            6: location(hospital, visit.prior_location),
            7: doctor(visit.attending),
            19: f"{visit.nda}^^^{hospital.authority}^VN",
            36: visit.discharge_code,
            44: ts(visit.admitted_at),
            45: ts(visit.discharged_at),
        },
    )


def pv2(visit: VisitSnapshot | None) -> str:
    """PV2-38 mode of arrival, only for emergency passages."""
    if visit is None or visit.ed is None:
        return ""
    return placed("PV2", {38: TRANSPORT_TO_PV2_38[visit.ed.transport]})


def uf(hospital: Hospital, unit_code: str) -> str:
    """XON of a functional unit, as ZBE-7/8 carry it."""
    unit = hospital.unit(unit_code)
    return f"{esc(unit.label)}^^^^^{hospital.authority}^UF^^^{unit.code}"


def zfm(visit: VisitSnapshot) -> str:
    """PMSI modes (entry, exit, origin, destination); not sent when all are empty."""
    values = (visit.mode_entree, visit.mode_sortie, visit.provenance, visit.destination)
    return segment("ZFM", *values) if any(values) else ""


def zfv(visit: VisitSnapshot) -> str:
    """ZFV-11, the transport care level, which the RPU TRANSPORT_PEC item mirrors."""
    if visit.ed is None:
        return ""
    return placed("ZFV", {11: visit.ed.transport_pec})


def zfd(patient: Patient, at: dt.datetime) -> str:
    """ZFD: identity collected through the INSi service for validated identities."""
    if not patient.qualified:
        return ""
    return segment("ZFD", "", "", "N", "N", "INSI", at.astimezone(PARIS).strftime("%Y%m%d"))
