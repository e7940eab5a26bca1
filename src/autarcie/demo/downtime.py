"""A realistic downtime day on the demo instance, recorded through care's own actions.

``autarcie demo downtime --hours H`` freezes the demo mirror, then plays H hours of degraded-mode
care: emergency admissions under temporary identifiers with their RPU passage, transfers to the
wards, discharges, vitals, administrations against the mirrored prescriptions, paper results,
notes, drug stock and critical-bed updates. Clinical times are spread over the last H hours;
every record is typed "now", as a back-entry of paper would be.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from autarcie.care import actions, bed_actions, stock_actions
from autarcie.care.models import EntryKind
from autarcie.care.queries import Subject
from autarcie.core import clock
from autarcie.core.errors import ConfigurationError
from autarcie.core.journal import Action, record
from autarcie.core.models import JournalEntry, Unit
from autarcie.core.tempids import allocate_block
from autarcie.demo.synth import build_hospital
from autarcie.demo.synth.hospital import Hospital
from autarcie.demo.synth.names import NamePools
from autarcie.mirror.actions import freeze
from autarcie.mirror.models import Prescription, Stay

ACTOR = "system:demo"
STOCK_DRUGS = (
    ("3400930000011", "Paracétamol 1 g comprimé", 400, 60),
    ("3400930000028", "Paracétamol 1 g injectable", 200, 40),
    ("3400930000035", "Énoxaparine 4000 UI/0,4 mL", 150, 30),
    ("3400930000042", "Morphine 10 mg/mL injectable", 60, 15),
    ("3400930000059", "Furosémide 20 mg injectable", 80, 20),
    ("3400930000066", "Amoxicilline-acide clavulanique 1 g injectable", 90, 20),
    ("3400930000073", "Insuline rapide 100 UI/mL", 40, 10),
    ("3400930000080", "Chlorure de sodium 0,9 % 500 mL", 300, 80),
)
# (motif, CCMU, DP, acts, exit mode, destination, orientation)
PASSAGES = (
    ("R074", "3", "I200", ("DEQP003",), "6", "1", "MED"),
    ("R55", "2", "R55", ("DEQP003",), "8", "", ""),
    ("S626", "2", "S626", ("LAQK001",), "8", "", ""),
    ("R060", "4", "J189", ("ZBQK002",), "6", "1", "SI"),
    ("R104", "2", "K359", (), "6", "1", "CHIR"),
    ("T509", "P", "T424", (), "6", "4", "HDT"),
    ("R509", "1", "J069", (), "8", "", "PSA"),
)
PAPER_RESULTS = (
    ("Kaliémie", "mmol/L", "3.5-5.0", (3.2, 6.1)),
    ("Hémoglobine", "g/dL", "12-16", (7.5, 15.5)),
    ("Créatinine", "µmol/L", "45-90", (50, 240)),
    ("Troponine Ic HS", "ng/L", "<26", (3, 900)),
)


@dataclass
class DowntimeReport:
    hours: int
    counts: Counter[str] = field(default_factory=Counter)

    def as_text(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in sorted(self.counts.items()))
        return f"downtime of {self.hours} h recorded: {parts}"


def demo_parameters() -> tuple[int, int]:
    """(beds, seed) of the demo built in this instance."""
    built = JournalEntry.objects.filter(action=Action.DEMO_BUILT.value).order_by("-seq").first()
    if built is None:
        raise ConfigurationError(
            "this instance holds no demo hospital: run 'autarcie demo --no-serve' first"
        )
    return int(built.details["beds"]), int(built.details["seed"])


class _Day:
    """The state of the played day: the clock of the paper, the random source, the counts."""

    def __init__(self, hospital: Hospital, hours: int, seed: int) -> None:
        self.hospital = hospital
        self.rng = random.Random(f"{seed}:downtime")  # noqa: S311 (synthetic data)
        self.names = NamePools.build(seed)
        self.start = clock.now() - dt.timedelta(hours=hours)
        self.hours = hours
        self.report = DowntimeReport(hours)
        self.units = {u.code: u for u in Unit.objects.all()}
        self.emergency = next(u.code for u in hospital.units if u.kind == "emergency")
        self.wards = [u.code for u in hospital.units if u.kind in ("medicine", "surgery")]

    def at(self, hour: int, minute: int | None = None) -> dt.datetime:
        minute = self.rng.randrange(60) if minute is None else minute
        return self.start + dt.timedelta(hours=hour, minutes=minute)

    def count(self, name: str) -> None:
        self.report.counts[name] += 1


def _setup(day: _Day) -> None:
    for unit in day.hospital.units:
        if unit.ror_category and unit.code in day.units:
            bed_actions.configure_critical_unit(
                actor=ACTOR,
                unit=day.units[unit.code],
                ror_category=unit.ror_category,
                installed=unit.beds,
            )
    for code, label, received, minimum in STOCK_DRUGS:
        stock_actions.set_threshold(
            actor=ACTOR, location="PUI", drug_code=code, drug_label=label, minimum=minimum
        )
        stock_actions.record_stock(
            actor=ACTOR,
            location="PUI",
            drug_code=code,
            drug_label=label,
            kind="count",
            quantity=received,
            written_at=day.at(0, 0),
        )
        day.count("stock counts")


def _admit(day: _Day, hour: int, tempid: str) -> Subject:
    """An emergency arrival; those of the last hour are still in the department."""
    rng = day.rng
    sex = rng.choice("FM")
    given = rng.choice(day.names.given_f if sex == "F" else day.names.given_m)
    birth = dt.date(rng.randrange(1930, 2005), rng.randrange(1, 13), rng.randrange(1, 29))
    when = day.at(hour)
    temp = actions.admit_temporary(
        actor=ACTOR,
        identity={
            "tempid": tempid,
            "birth_family": rng.choice(day.names.families),
            "given": given,
            "birth_date": birth.isoformat(),
            "sex": sex,
        },
        unit_code=day.emergency,
        room=f"B{rng.randrange(1, 20):02d}",
        written_at=when,
        accept_duplicates=True,  # the demo "looked": a homonym is another person here
    )
    day.count("temporary admissions")
    subject = Subject(temp=temp)
    _passage(day, subject, when, still_here=hour == day.hours - 1)
    return subject


def _passage(day: _Day, subject: Subject, entry: dt.datetime, *, still_here: bool) -> None:
    motif, ccmu, dp, acts, exit_mode, destination, orientation = day.rng.choice(PASSAGES)
    if still_here:
        exit_mode = destination = orientation = ""
    actions.record_entry(
        actor=ACTOR,
        subject=subject,
        kind=EntryKind.PASSAGE,
        # Typed after the arrival, but never later than now: care refuses a future time.
        written_at=min(entry + dt.timedelta(minutes=50), clock.now()),
        data={
            "entry": entry,
            "entry_mode": "8",
            "provenance": "5",
            "transport": day.rng.choice(("PERSO", "AMBU", "VSAB", "SMUR")),
            "transport_care": "AUCUN",
            "reason": motif,
            "ccmu": ccmu,
            "main_diagnosis": dp,
            "procedures": list(acts),
            "exit": "" if still_here else entry + dt.timedelta(minutes=45),
            "exit_mode": exit_mode,
            "destination": destination,
            "orientation": orientation,
            "postcode": day.hospital.postcode,
            "town": day.hospital.city,
        },
    )
    day.count("emergency passages")
    if still_here:
        return
    kind = "transfer" if exit_mode == "6" else "discharge"
    ward = day.rng.choice(day.wards) if kind == "transfer" else ""
    actions.record_entry(
        actor=ACTOR,
        subject=subject,
        kind=EntryKind.MOVEMENT,
        written_at=entry + dt.timedelta(minutes=45),
        data={"movement": kind, "unit_code": ward},
    )
    day.count("movements")


def _ward_care(day: _Day, hour: int, stays: list[Stay]) -> None:
    rng = day.rng
    for stay in rng.sample(stays, min(4, len(stays))):
        subject = Subject(patient=stay.patient)
        actions.record_entry(
            actor=ACTOR,
            subject=subject,
            kind=EntryKind.VITALS,
            written_at=_during(day.at(hour), stay),
            data={
                "systolic": rng.randrange(95, 165),
                "diastolic": rng.randrange(55, 95),
                "heart_rate": rng.randrange(55, 115),
                "temperature": f"{rng.uniform(36.2, 38.9):.1f}",
                "spo2": rng.randrange(90, 100),
                "pain": rng.randrange(0, 6),
                "consciousness": "A",
            },
        )
        day.count("vitals")
        _administrations(day, hour, stay)
    stay = rng.choice(stays)
    label, unit, reference, (low, high) = rng.choice(PAPER_RESULTS)
    actions.record_entry(
        actor=ACTOR,
        subject=Subject(patient=stay.patient),
        kind=EntryKind.RESULT,
        written_at=day.at(hour),
        data={
            "document": f"compte rendu papier du laboratoire n° {rng.randrange(1000, 9999)}",
            "lab": "Laboratoire de biologie",
            "test_label": label,
            "value": f"{rng.uniform(low, high):.1f}",
            "unit": unit,
            "reference_range": reference,
        },
    )
    day.count("paper results")
    actions.record_entry(
        actor=ACTOR,
        subject=Subject(patient=stay.patient),
        kind=EntryKind.NOTE,
        written_at=_during(day.at(hour), stay),
        data={"category": "nursing", "text": "Transmission : patient stable, surveillance."},
    )
    day.count("notes")


def _during(moment: dt.datetime, stay: Stay) -> dt.datetime:
    """A time of the played day inside the stay: care refuses one before the admission."""
    if stay.admitted_at is None or moment >= stay.admitted_at:
        return moment
    return min(stay.admitted_at + dt.timedelta(minutes=5), clock.now())


def _administrations(day: _Day, hour: int, stay: Stay) -> None:
    subject = Subject(patient=stay.patient)
    found = list(Prescription.objects.filter(patient=subject.patient, active=True)[:2])
    for prescription in found:
        given = day.rng.random() > 0.1
        actions.record_entry(
            actor=ACTOR,
            subject=subject,
            kind=EntryKind.ADMINISTRATION,
            written_at=_during(day.at(hour), stay),
            data={
                "prescription": f"mirror:{prescription.rkey}",
                "status": "given" if given else "not_given",
                "dose": f"{prescription.dose} {prescription.dose_unit}".strip(),
                "not_given_reason": "" if given else "patient à jeun (examen)",
            },
        )
        day.count("administrations")


def _stock_hour(day: _Day, hour: int) -> None:
    code, label, _received, _minimum = day.rng.choice(STOCK_DRUGS)
    ward = day.rng.choice(day.wards)
    stock_actions.transfer_stock(
        actor=ACTOR,
        source="PUI",
        destination=ward,
        drug_code=code,
        drug_label=label,
        quantity=10,
        written_at=day.at(hour),
    )
    stock_actions.record_stock(
        actor=ACTOR,
        location=ward,
        drug_code=code,
        drug_label=label,
        kind="dispensation",
        quantity=day.rng.randrange(2, 9),
        written_at=day.at(hour),
    )
    day.count("stock movements")


def _beds(day: _Day) -> None:
    for unit in day.hospital.units:
        if unit.ror_category and unit.code in day.units:
            bed_actions.update_beds_from_census(actor=ACTOR, unit=day.units[unit.code])
            day.count("bed updates")


def _present_stays(day: _Day) -> list[Stay]:
    stays = Stay.objects.filter(status="admitted", unit_code__in=day.wards).select_related(
        "patient"
    )
    return list(stays.order_by("pk")[:400])


def run_downtime(*, hours: int) -> DowntimeReport:
    """Freeze the demo mirror and record ``hours`` hours of degraded-mode care."""
    if not 1 <= hours <= 24 * 14:
        raise ConfigurationError("--hours must be between 1 and 336")
    beds, seed = demo_parameters()
    day = _Day(build_hospital(seed=seed, beds=beds), hours, seed)
    with transaction.atomic():
        freeze(actor=ACTOR, reason="Démonstration : système d'information indisponible")
        _setup(day)
        block = allocate_block(
            actor=ACTOR, holder_type="unit", holder_id=day.emergency, size=2 * hours
        )
        tempids = iter(block.identifiers())
        stays = _present_stays(day)
        for hour in range(hours):
            for _ in range(2):
                _admit(day, hour, next(tempids))
            if stays:
                _ward_care(day, hour, stays)
            _stock_hour(day, hour)
            if stays and hour % 3 == 2:
                leaving = stays.pop(day.rng.randrange(len(stays)))
                actions.record_entry(
                    actor=ACTOR,
                    subject=Subject(patient=leaving.patient),
                    kind=EntryKind.MOVEMENT,
                    written_at=_during(day.at(hour), leaving),
                    data={"movement": "discharge"},
                )
                day.count("movements")
            print(f"\rdowntime: hour {hour + 1}/{hours}", end="", file=sys.stderr, flush=True)
        _beds(day)
        record(
            Action.CARE_DOWNTIME_DEMO,
            actor=ACTOR,
            details={"hours": hours, "counts": dict(day.report.counts)},
        )
    print(file=sys.stderr)
    return day.report


__all__ = ["DowntimeReport", "run_downtime"]
