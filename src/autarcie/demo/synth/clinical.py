"""Clinical content of a stay: allergies, conditions, prescriptions, results, documents."""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass
from xml.sax.saxutils import escape

from autarcie.demo.synth.drugs import DRUGS, Drug
from autarcie.demo.synth.labs import LabReport, draw_report
from autarcie.demo.synth.people import Patient
from autarcie.demo.synth.stays import Stay

# (code, French label, code system) — ATC for drugs, free text otherwise.
ALLERGENS: tuple[tuple[str, str, str], ...] = (
    ("J01CA04", "Amoxicilline", "ATC"),
    ("J01CE", "Pénicillines", "ATC"),
    ("N02BA01", "Acide acétylsalicylique", "ATC"),
    ("M01AE01", "Ibuprofène", "ATC"),
    ("J01EE01", "Sulfaméthoxazole/triméthoprime", "ATC"),
    ("N02AA01", "Morphine", "ATC"),
    ("LATEX", "Latex", "TEXTE"),
    ("ARACHIDE", "Arachide", "TEXTE"),
    ("IODE", "Produits de contraste iodés", "TEXTE"),
)
REACTIONS = ("Urticaire", "Œdème de Quincke", "Éruption cutanée", "Choc anaphylactique", "Prurit")
# CIM-10 codes with French labels per unit kind.
CONDITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "medicine": (
        ("I509", "Insuffisance cardiaque"),
        ("J189", "Pneumopathie"),
        ("N179", "Insuffisance rénale aiguë"),
        ("E119", "Diabète de type 2"),
        ("I480", "Fibrillation auriculaire paroxystique"),
        ("K746", "Cirrhose"),
    ),
    "surgery": (
        ("K358", "Appendicite aiguë"),
        ("S720", "Fracture du col du fémur"),
        ("K802", "Lithiase vésiculaire"),
        ("I702", "Artériopathie des membres"),
    ),
    "icu": (
        ("A419", "Sepsis"),
        ("J960", "Insuffisance respiratoire aiguë"),
        ("I214", "Infarctus sans sus-décalage"),
        ("I639", "Infarctus cérébral"),
    ),
    "maternity": (("O800", "Accouchement spontané"), ("O141", "Prééclampsie sévère")),
    "paediatrics": (("J210", "Bronchiolite à VRS"), ("A09", "Gastro-entérite")),
    "geriatrics": (("R296", "Chutes à répétition"), ("F03", "Démence"), ("E86", "Déshydratation")),
    "psychiatry": (
        ("F329", "Épisode dépressif"),
        ("F200", "Schizophrénie paranoïde"),
        ("F311", "Trouble bipolaire, épisode maniaque"),
    ),
}
CONDITIONS["continuing_care"] = CONDITIONS["icu"]
CONDITIONS["emergency"] = CONDITIONS["medicine"]
CONDITIONS["other"] = (("C349", "Cancer bronchique"), ("G122", "Sclérose latérale amyotrophique"))
DOCUMENT_TYPES = {
    "imaging": ("18748-4", "CR d'imagerie médicale"),
    "discharge": ("34133-9", "Lettre de liaison à la sortie"),
}
IMAGING = (
    ("Radiographie thoracique", "Pas de foyer ni d'épanchement pleural."),
    ("Scanner cérébral sans injection", "Absence de lésion hémorragique."),
    ("Échographie abdominale", "Vésicule lithiasique, voies biliaires fines."),
    ("Radiographie du bassin", "Fracture du col fémoral droit déplacée."),
)


@dataclass(frozen=True, slots=True)
class Allergy:
    code: str
    label: str
    system: str
    reaction: str
    severity: str  # HL7 table 0128: SV, MO, MI


@dataclass(frozen=True, slots=True)
class Condition:
    code: str
    label: str
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Prescription:
    order_id: str
    drug: Drug
    start: dt.datetime


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    kind: str  # imaging or discharge
    title: str
    text: str
    at: dt.datetime


@dataclass(slots=True)
class StayRecord:
    """Everything clinical about one stay."""

    stay: Stay
    conditions: list[Condition]
    prescriptions: list[Prescription]
    labs: list[LabReport]
    documents: list[Document]


def allergies_of(seed: int, patient: Patient) -> tuple[Allergy, ...]:
    """A patient's allergies, fixed by seed and IPP so every message agrees."""
    rng = random.Random(f"{seed}:allergy:{patient.ipp}")  # noqa: S311 (synthetic data, not secrets)
    if rng.random() > 0.18:
        return ()
    chosen = rng.sample(ALLERGENS, rng.choice((1, 1, 2)))
    return tuple(
        Allergy(code, label, system, rng.choice(REACTIONS), rng.choice(("SV", "MO", "MI")))
        for code, label, system in chosen
    )


def cda_document(patient: Patient, doc: Document) -> str:
    """A small CDA R2 document whose body is human-readable French text."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ClinicalDocument xmlns="urn:hl7-org:v3">'
        f"<title>{escape(doc.title)}</title>"
        f'<effectiveTime value="{doc.at.strftime("%Y%m%d%H%M%S")}+0000"/>'
        "<recordTarget><patientRole><patient><name>"
        f"<family>{escape(patient.family)}</family><given>{escape(patient.given)}</given>"
        "</name></patient></patientRole></recordTarget>"
        f"<component><nonXMLBody><text>{escape(doc.text)}</text></nonXMLBody></component>"
        "</ClinicalDocument>"
    )


def cda_base64(patient: Patient, doc: Document) -> str:
    return base64.b64encode(cda_document(patient, doc).encode("utf-8")).decode("ascii")


class ClinicalFactory:
    """Draws the clinical content of stays present during the window."""

    def __init__(self, seed: int, start: dt.datetime, now: dt.datetime) -> None:
        self.rng = random.Random(f"{seed}:clinical")  # noqa: S311 (synthetic data, not secrets)
        self.start = start
        self.now = now
        self._ids = 0

    def _id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:08d}"

    def record(self, stay: Stay, kind: str) -> StayRecord:
        """Clinical content for a stay that overlaps the window."""
        rng = self.rng
        end = stay.discharged_at or self.now
        conditions = [
            Condition(code, label, stay.admitted_at + dt.timedelta(hours=1))
            for code, label in rng.sample(CONDITIONS[kind], min(2, len(CONDITIONS[kind])))
        ]
        prescriptions = []
        if stay.discharged_at is None:
            for drug in rng.sample(DRUGS, rng.randint(2, 8)):
                start = stay.admitted_at + dt.timedelta(hours=rng.uniform(0.5, 24))
                prescriptions.append(Prescription(self._id("RX"), drug, min(start, self.now)))
        return StayRecord(
            stay, conditions, prescriptions, self._labs(stay, end), self._documents(stay, end, kind)
        )

    def _labs(self, stay: Stay, end: dt.datetime) -> list[LabReport]:
        rng = self.rng
        begin = max(stay.admitted_at, self.now - dt.timedelta(hours=72))
        if begin >= end:
            return []
        hours = (end - begin).total_seconds() / 3600
        reports = []
        for _ in range(max(1, round(hours / 24 * rng.uniform(1.0, 3.0)))):
            collected = begin + dt.timedelta(hours=rng.uniform(0, hours))
            report = draw_report(rng, self._id("LAB"), stay.patient.ipp, stay.nda, collected)
            if report.reported_at > self.now:
                continue
            if report.correction and report.correction[2] > self.now:
                report = LabReport(
                    report.report_id,
                    report.ipp,
                    report.nda,
                    report.panel,
                    report.collected_at,
                    report.reported_at,
                    report.items,
                    None,
                )
            reports.append(report)
        return reports

    def _documents(self, stay: Stay, end: dt.datetime, kind: str) -> list[Document]:
        rng = self.rng
        docs = []
        if rng.random() < 0.3 and stay.admitted_at >= self.start - dt.timedelta(days=2):
            title, finding = rng.choice(IMAGING)
            at = min(stay.admitted_at + dt.timedelta(hours=rng.uniform(1, 30)), end)
            text = f"{title}. Indication : bilan. Résultat : {finding} Conclusion : {finding}"
            docs.append(Document(self._id("DOC"), "imaging", title, text, at))
        if stay.discharged_at is not None and stay.discharged_at >= self.start:
            patient = stay.patient
            text = (
                f"Cher confrère, votre patient(e) {patient.given} {patient.family}, "
                f"né(e) le {patient.birth_date:%d/%m/%Y}, a été hospitalisé(e) du "
                f"{stay.admitted_at:%d/%m/%Y} au {stay.discharged_at:%d/%m/%Y} ({kind}). "
                "Évolution favorable. Traitement de sortie remis au patient. "
                "Bien confraternellement."
            )
            docs.append(
                Document(
                    self._id("DOC"),
                    "discharge",
                    "Lettre de liaison à la sortie",
                    text,
                    stay.discharged_at,
                )
            )
        return docs
