"""Lab results: LOINC panels with French labels, UCUM units, reference ranges and flags."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Analyte:
    """One measured quantity: LOINC code, French label, UCUM unit, reference range."""

    loinc: str
    label: str
    unit: str
    low: float
    high: float
    decimals: int


@dataclass(frozen=True, slots=True)
class Panel:
    """An orderable panel (OBR-4) and the analytes it reports."""

    loinc: str
    label: str
    analytes: tuple[Analyte, ...]


def _a(loinc: str, label: str, unit: str, low: float, high: float, decimals: int) -> Analyte:
    return Analyte(loinc, label, unit, low, high, decimals)


PANELS: tuple[Panel, ...] = (
    Panel(
        "58410-2",
        "Numération formule sanguine",
        (
            _a("6690-2", "Leucocytes", "10*9/L", 4.0, 10.0, 1),
            _a("789-8", "Hématies", "10*12/L", 4.2, 5.7, 2),
            _a("718-7", "Hémoglobine", "g/dL", 12.0, 17.0, 1),
            _a("4544-3", "Hématocrite", "%", 37.0, 50.0, 1),
            _a("777-3", "Plaquettes", "10*9/L", 150.0, 400.0, 0),
        ),
    ),
    Panel(
        "24326-1",
        "Ionogramme sanguin",
        (
            _a("2951-2", "Sodium", "mmol/L", 136.0, 145.0, 0),
            _a("2823-3", "Potassium", "mmol/L", 3.5, 5.1, 1),
            _a("2075-0", "Chlore", "mmol/L", 98.0, 107.0, 0),
            _a("1963-8", "Bicarbonates", "mmol/L", 22.0, 29.0, 0),
            _a("14682-9", "Créatinine", "umol/L", 60.0, 110.0, 0),
            _a("22664-7", "Urée", "mmol/L", 2.5, 7.5, 1),
            _a("14749-6", "Glucose", "mmol/L", 3.9, 5.8, 1),
        ),
    ),
    Panel(
        "24325-3",
        "Bilan hépatique",
        (
            _a("1742-6", "ALAT", "U/L", 5.0, 45.0, 0),
            _a("1920-8", "ASAT", "U/L", 5.0, 35.0, 0),
            _a("6768-6", "Phosphatases alcalines", "U/L", 40.0, 130.0, 0),
            _a("2324-2", "Gamma-GT", "U/L", 8.0, 55.0, 0),
            _a("14631-6", "Bilirubine totale", "umol/L", 3.0, 17.0, 0),
        ),
    ),
    Panel("1988-5", "Protéine C réactive", (_a("1988-5", "CRP", "mg/L", 0.0, 5.0, 1),)),
    Panel(
        "6301-6",
        "Hémostase",
        (
            _a("5894-1", "Taux de prothrombine", "%", 70.0, 100.0, 0),
            _a("6301-6", "INR", "{INR}", 0.8, 1.2, 2),
        ),
    ),
    Panel(
        "89579-7",
        "Troponine I hypersensible",
        (_a("89579-7", "Troponine I hs", "ng/L", 0.0, 34.0, 0),),
    ),
    Panel("33762-6", "NT-proBNP", (_a("33762-6", "NT-proBNP", "pg/mL", 0.0, 125.0, 0),)),
    Panel(
        "24336-0",
        "Gaz du sang artériel",
        (
            _a("2744-1", "pH artériel", "[pH]", 7.35, 7.45, 2),
            _a("2019-8", "pCO2 artérielle", "mm[Hg]", 35.0, 45.0, 0),
            _a("2703-7", "pO2 artérielle", "mm[Hg]", 80.0, 100.0, 0),
            _a("2524-7", "Lactates", "mmol/L", 0.5, 2.2, 1),
        ),
    ),
    Panel("33959-8", "Procalcitonine", (_a("33959-8", "Procalcitonine", "ng/mL", 0.0, 0.5, 2),)),
)


@dataclass(frozen=True, slots=True)
class LabItem:
    """One reported value; `status` is OBX-11 (F final, C corrected)."""

    analyte: Analyte
    value: str
    flag: str  # OBX-8: N, L, H, LL, HH
    status: str


@dataclass(frozen=True, slots=True)
class LabReport:
    """A panel's results for one stay; `correction` re-reports one item with status C."""

    report_id: str
    ipp: str
    nda: str
    panel: Panel
    collected_at: dt.datetime
    reported_at: dt.datetime
    items: tuple[LabItem, ...]
    correction: tuple[int, LabItem, dt.datetime] | None

    def final_items(self) -> tuple[LabItem, ...]:
        """The items as they stand after any correction (what FHIR exports)."""
        if self.correction is None:
            return self.items
        index, item, _at = self.correction
        return (*self.items[:index], item, *self.items[index + 1 :])


def _flag(analyte: Analyte, value: float) -> str:
    span = analyte.high - analyte.low
    if value < analyte.low:
        return "LL" if value < analyte.low - span else "L"
    if value > analyte.high:
        return "HH" if value > analyte.high + 2 * span else "H"
    return "N"


def draw_item(rng: random.Random, analyte: Analyte, abnormal_share: float = 0.3) -> LabItem:
    """A plausible value: mostly within range, sometimes out of it."""
    span = analyte.high - analyte.low
    if rng.random() < abnormal_share:
        value = rng.choice(
            (
                analyte.low - rng.uniform(0.05, 0.5) * span,
                analyte.high + rng.uniform(0.05, 1.5) * span,
            )
        )
    else:
        value = rng.uniform(analyte.low, analyte.high)
    value = max(value, 0.0)
    text = f"{value:.{analyte.decimals}f}"
    return LabItem(analyte, text, _flag(analyte, float(text)), "F")


def draw_report(
    rng: random.Random, report_id: str, ipp: str, nda: str, collected_at: dt.datetime
) -> LabReport:
    """One panel for a stay, reported 30 to 150 minutes after collection, 3% later corrected."""
    panel = rng.choice(PANELS)
    items = tuple(draw_item(rng, analyte) for analyte in panel.analytes)
    reported_at = collected_at + dt.timedelta(minutes=rng.randint(30, 150))
    correction = None
    if rng.random() < 0.03:
        index = rng.randrange(len(items))
        fixed = draw_item(rng, panel.analytes[index])
        correction = (
            index,
            LabItem(fixed.analyte, fixed.value, fixed.flag, "C"),
            reported_at + dt.timedelta(minutes=rng.randint(20, 240)),
        )
    return LabReport(report_id, ipp, nda, panel, collected_at, reported_at, items, correction)
