"""Whole HL7 v2.5 messages: PAM FR ADT events, ORU^R01 results and documents, RDE^O11."""

from __future__ import annotations

import datetime as dt

from autarcie.demo.synth.clinical import (
    DOCUMENT_TYPES,
    Allergy,
    Document,
    Prescription,
    cda_base64,
)
from autarcie.demo.synth.drugs import ROUTES, SYNTHETIC_CIP13_HL7
from autarcie.demo.synth.hl7_segments import (
    CDA_PROFILE,
    INS_AUTHORITY,
    PAM_PROFILE,
    esc,
    evn,
    msh,
    patient_identifiers,
    pid,
    pv1,
    pv2,
    segment,
    ts,
    uf,
    zfd,
    zfm,
    zfv,
)
from autarcie.demo.synth.hospital import Hospital
from autarcie.demo.synth.labs import LabItem, LabReport
from autarcie.demo.synth.people import Patient
from autarcie.demo.synth.stays import AdtEvent, VisitSnapshot

# MSH-9.3 message structure of each trigger (HL7 2.5 / PAM FR).
STRUCTURES = {
    "A01": "ADT_A01",
    "A04": "ADT_A01",
    "A05": "ADT_A05",
    "A06": "ADT_A06",
    "A02": "ADT_A02",
    "A03": "ADT_A03",
    "A11": "ADT_A09",
    "A12": "ADT_A12",
    "A13": "ADT_A01",
    "A21": "ADT_A21",
    "A22": "ADT_A21",
    "A52": "ADT_A52",
    "A53": "ADT_A52",
    "A54": "ADT_A54",
    "Z99": "ADT_A01",
    "A28": "ADT_A05",
    "A31": "ADT_A05",
    "A40": "ADT_A39",
    "A47": "ADT_A30",
}
IDENTITY_TRIGGERS = frozenset({"A28", "A31", "A40", "A47"})
_AL1_SYSTEMS = {"ATC": "ATC", "TEXTE": "L"}


def al1_segments(allergies: tuple[Allergy, ...]) -> list[str]:
    return [
        segment(
            "AL1",
            str(index),
            "DA" if a.system == "ATC" else "MA",
            f"{a.code}^{esc(a.label)}^{_AL1_SYSTEMS[a.system]}",
            a.severity,
            esc(a.reaction),
        )
        for index, a in enumerate(allergies, start=1)
    ]


def zbe(hospital: Hospital, event: AdtEvent, visit: VisitSnapshot) -> str:
    """ZBE: movement id, start, action, historic flag, original trigger, UFs, nature."""
    unit = visit.location.unit if visit.location else ""
    unit_xon = uf(hospital, unit) if unit else ""
    return segment(
        "ZBE",
        f"{event.movement_id}^{hospital.sending_application}",
        ts(event.movement_at),
        "",
        event.action,
        "Y" if event.historic else "N",
        event.original_trigger,
        unit_xon,
        unit_xon,
        event.nature,
    )


def adt_message(
    hospital: Hospital, event: AdtEvent, control_id: str, allergies: tuple[Allergy, ...]
) -> str:
    """One ADT message for an event; segments end with `\\r`."""
    kind = f"ADT^{event.trigger}^{STRUCTURES[event.trigger]}"
    lines = [msh(hospital, event.at, kind, control_id, PAM_PROFILE), evn(event.at)]
    patient = event.patient
    if event.trigger == "A40":
        if event.merged is None:
            raise ValueError("event.merged is required for this event")
        lines += [pid(hospital, patient), f"MRG|{event.merged.ipp}^^^{hospital.authority}^PI"]
    elif event.trigger == "A47":
        lines += [
            pid(hospital, patient),
            f"MRG|{event.old_identifier}^^^{INS_AUTHORITY}^INS",
        ]
    elif event.trigger in IDENTITY_TRIGGERS:
        lines += [pid(hospital, patient), pv1(hospital, None), zfd(patient, event.at)]
        if event.with_allergies:
            lines += al1_segments(allergies)
    else:
        visit = event.visit
        if visit is None:
            raise ValueError("visit is required for this event")
        lines += [pid(hospital, patient, visit.nda), pv1(hospital, visit), pv2(visit)]
        lines += [zbe(hospital, event, visit), zfv(visit), zfm(visit), zfd(patient, event.at)]
        if event.with_allergies:
            lines += al1_segments(allergies)
    return "\r".join(line for line in lines if line) + "\r"


def _visit_lines(hospital: Hospital, patient: Patient, visit: VisitSnapshot | None) -> list[str]:
    lines = [pid(hospital, patient, visit.nda if visit else "")]
    if visit is not None:
        lines.append(pv1(hospital, visit))
    return lines


def _obx(index: int, item: LabItem, at: dt.datetime) -> str:
    analyte = item.analyte
    return segment(
        "OBX",
        str(index),
        "NM",
        f"{analyte.loinc}^{esc(analyte.label)}^LN",
        "",
        item.value,
        f"{analyte.unit}^{analyte.unit}^UCUM",
        f"{analyte.low:g}-{analyte.high:g}",
        item.flag,
        "",
        "",
        item.status,
        "",
        "",
        ts(at),
    )


def lab_message(
    hospital: Hospital,
    patient: Patient,
    visit: VisitSnapshot | None,
    report: LabReport,
    control_id: str,
    corrected: bool = False,
) -> str:
    """ORU^R01 with discrete LOINC results; the corrected variant re-sends one OBX with C."""
    at = report.correction[2] if corrected and report.correction else report.reported_at
    lines = [
        msh(hospital, at, "ORU^R01^ORU_R01", control_id, ""),
        *_visit_lines(hospital, patient, visit),
    ]
    lines.append(segment("ORC", "RE", report.report_id, report.report_id))
    panel = report.panel
    lines.append(
        segment(
            "OBR",
            "1",
            report.report_id,
            report.report_id,
            f"{panel.loinc}^{esc(panel.label)}^LN",
            "",
            "",
            ts(report.collected_at),
            *([""] * 14),
            ts(at),
            "",
            "",
            "C" if corrected else "F",
        )
    )
    if corrected and report.correction:
        index, item, _when = report.correction
        lines.append(_obx(index + 1, item, at))
    else:
        lines += [_obx(i, item, at) for i, item in enumerate(report.items, start=1)]
    return "\r".join(lines) + "\r"


def document_message(
    hospital: Hospital,
    patient: Patient,
    visit: VisitSnapshot | None,
    doc: Document,
    control_id: str,
) -> str:
    """ORU^R01 carrying a CDA document in an ED OBX (ANS CDA-in-HL7v2 profile)."""
    code, label = DOCUMENT_TYPES[doc.kind]
    lines = [
        msh(hospital, doc.at, "ORU^R01^ORU_R01", control_id, CDA_PROFILE),
        *_visit_lines(hospital, patient, visit),
    ]
    lines.append(segment("ORC", "RE", doc.doc_id, doc.doc_id))
    lines.append(
        segment(
            "OBR",
            "1",
            doc.doc_id,
            doc.doc_id,
            f"{code}^{esc(label)}^LN",
            "",
            "",
            ts(doc.at),
            *([""] * 14),
            ts(doc.at),
            "",
            "",
            "F",
        )
    )
    lines.append(
        segment(
            "OBX",
            "1",
            "ED",
            f"{code}^{esc(label)}^LN",
            "",
            f"^TEXT^XML^Base64^{cda_base64(patient, doc)}",
            "",
            "",
            "",
            "",
            "",
            "F",
            "",
            "",
            ts(doc.at),
        )
    )
    return "\r".join(lines) + "\r"


def prescription_message(
    hospital: Hospital,
    patient: Patient,
    visit: VisitSnapshot,
    rx: Prescription,
    control_id: str,
) -> str:
    """RDE^O11: one active prescription with its synthetic CIP13, ATC, dose and route."""
    drug = rx.drug
    lines = [
        msh(hospital, rx.start, "RDE^O11^RDE_O11", control_id, ""),
        *_visit_lines(hospital, patient, visit),
    ]
    lines.append(segment("ORC", "NW", rx.order_id, rx.order_id, "", "", "", "", "", ts(rx.start)))
    give = f"{drug.cip13}^{esc(drug.label)}^{SYNTHETIC_CIP13_HL7}^{drug.atc}^{esc(drug.label)}^ATC"
    lines.append(
        segment(
            "RXE",
            f"^{drug.hl7_timing}^^{ts(rx.start)}",
            give,
            drug.dose,
            "",
            f"{drug.unit}^{drug.unit}^UCUM",
        )
    )
    lines.append(segment("RXR", f"{drug.route}^{ROUTES[drug.route]}^HL70162"))
    return "\r".join(lines) + "\r"


__all__ = [
    "IDENTITY_TRIGGERS",
    "adt_message",
    "document_message",
    "lab_message",
    "patient_identifiers",
    "prescription_message",
]
