"""The generator's entry point: simulate the hospital and write every feed to a folder."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from autarcie.demo.synth import fhir_resources as fr
from autarcie.demo.synth.census import census_rows, write_census
from autarcie.demo.synth.clinical import ClinicalFactory, StayRecord, allergies_of, cda_base64
from autarcie.demo.synth.history import historical_resources
from autarcie.demo.synth.hl7_feed import write_hl7
from autarcie.demo.synth.hl7_segments import PARIS
from autarcie.demo.synth.hospital import Hospital, Unit, build_hospital
from autarcie.demo.synth.inventory import build_inventory, inventory_csv
from autarcie.demo.synth.names import NamePools
from autarcie.demo.synth.people import PatientFactory
from autarcie.demo.synth.rpu import EdPassage, oscour_xml
from autarcie.demo.synth.sim import Simulation

Progress = Callable[[str, int, int], None]
FHIR_TYPES = (
    "Organization",
    "Location",
    "Practitioner",
    "Patient",
    "Encounter",
    "AllergyIntolerance",
    "Condition",
    "MedicationRequest",
    "Observation",
    "DiagnosticReport",
    "DocumentReference",
)
_EPOCH = dt.datetime(2025, 1, 1, 6, 0, tzinfo=dt.UTC)
# One encoder for every line: json.dumps would build a new one per resource.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def reference_now(seed: int) -> dt.datetime:
    """The fixed "now" of a seed: 2025-01-01 06:00 UTC plus (seed mod 365) days, never the clock."""
    return _EPOCH + dt.timedelta(days=seed % 365)


@dataclass(frozen=True)
class GenerationSummary:
    """What was written: counts per file kind and the hospital's units."""

    out_dir: Path
    now: dt.datetime
    finess: str
    units: tuple[Unit, ...]
    hl7_messages: dict[str, int] = field(default_factory=dict)  # per trigger / message type
    fhir_resources: dict[str, int] = field(default_factory=dict)  # per resource type
    census_rows: int = 0
    inventory_rows: int = 0
    rpu_passages: int = 0
    files: tuple[str, ...] = ()


@dataclass
class World:
    """The simulated hospital, before it is written."""

    hospital: Hospital
    pools: NamePools
    sim: Simulation
    records: list[StayRecord]
    start: dt.datetime
    now: dt.datetime
    seed: int


def simulate(seed: int, beds: int, days: int, now: dt.datetime | None = None) -> World:
    """Run the simulation and draw the clinical content; no file is written."""
    now = now or reference_now(seed)
    start = now - dt.timedelta(days=days)
    hospital = build_hospital(seed, beds)
    pools = NamePools.build(seed)
    sim = Simulation(hospital, PatientFactory(seed, pools, now.date()), seed, start, now)
    sim.run()
    clinical = ClinicalFactory(seed, start, now)
    records = [
        clinical.record(stay, hospital.unit(stay.segments[-1].location.unit).kind)
        for stay in sim.stays
        if not stay.cancelled and (stay.discharged_at is None or stay.discharged_at >= start)
    ]
    return World(hospital, pools, sim, records, start, now, seed)


def generate(
    out_dir: Path,
    *,
    beds: int = 869,
    patients: int = 0,
    seed: int = 1,
    days: int = 3,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> GenerationSummary:
    """Write the synthetic hospital's feeds into `out_dir` (same arguments, same bytes).

    `now` is the reference instant the feeds end at; None means `reference_now(seed)`, a
    fixed instant derived from the seed, so two runs never differ by the wall clock.
    """
    report = progress or (lambda _step, _done, _total: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    report("simulate", 0, 1)
    world = simulate(seed, beds, days, now)
    report("simulate", 1, 1)
    hl7_counts, _hl7_files = write_hl7(out_dir / "hl7", world)
    report("hl7", 1, 1)
    fhir_counts = write_fhir(out_dir / "fhir", world, seed, patients, report)
    rows = census_rows(world)
    write_census(out_dir / "census.csv", rows)
    inventory = build_inventory(seed, beds)
    (out_dir / "inventory.csv").write_text(inventory_csv(inventory), encoding="utf-8")
    passages, _rpu_files = write_rpu(out_dir / "rpu", world)
    report("done", 1, 1)
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    return GenerationSummary(
        out_dir=out_dir,
        now=world.now,
        finess=world.hospital.finess,
        units=world.hospital.units,
        hl7_messages=hl7_counts,
        fhir_resources=fhir_counts,
        census_rows=len(rows),
        inventory_rows=len(inventory),
        rpu_passages=passages,
        files=tuple(files),
    )


class _NdjsonFiles:
    """One open NDJSON file per resource type, with counts."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.handles: dict[str, TextIO] = {}
        self.counts: dict[str, int] = dict.fromkeys(FHIR_TYPES, 0)

    def write(self, kind: str, resource: dict[str, Any]) -> None:
        handle = self.handles.get(kind)
        if handle is None:
            path = self.folder / f"{kind}.ndjson"
            handle = open(path, "w", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115
            self.handles[kind] = handle
        handle.write(_ENCODER.encode(resource) + "\n")
        self.counts[kind] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def write_fhir(
    folder: Path, world: World, seed: int, patients: int, report: Progress
) -> dict[str, int]:
    """The Bulk `$export`-shaped folder: one NDJSON per type and `manifest.json`."""
    files = _NdjsonFiles(folder)
    try:
        _write_live(files, world, seed)
        for done, (kind, resource) in enumerate(
            historical_resources(world.hospital, world.pools, seed, patients, world.start)
        ):
            files.write(kind, resource)
            if done % 200_000 == 0:
                report("history", files.counts["Patient"], patients)
    finally:
        files.close()
    manifest = {
        "transactionTime": fr.instant(world.now),
        "request": f"https://sih-{world.hospital.finess}.invalid/fhir/$export",
        "requiresAccessToken": False,
        "output": [
            {"type": kind, "url": f"{kind}.ndjson", "count": count}
            for kind, count in files.counts.items()
            if count
        ],
        "error": [],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {kind: count for kind, count in files.counts.items() if count}


def _write_live(files: _NdjsonFiles, world: World, seed: int) -> None:
    hospital = world.hospital
    for org in fr.organizations(hospital):
        files.write("Organization", org)
    for unit in hospital.units:
        for location in fr.locations(unit):
            files.write("Location", location)
    for person in hospital.practitioners:
        files.write("Practitioner", fr.practitioner(person))
    for patient in world.sim.patients:
        files.write("Patient", fr.patient(hospital, patient, patient.duplicate_of))
        for index, item in enumerate(allergies_of(seed, patient), start=1):
            files.write("AllergyIntolerance", fr.allergy(patient, index, item))
    for stay in world.sim.stays:
        for encounter in fr.encounters(hospital, stay):
            files.write("Encounter", encounter)
    for record in world.records:
        _write_record(files, record)


def _write_record(files: _NdjsonFiles, record: StayRecord) -> None:
    stay = record.stay
    for index, condition in enumerate(record.conditions, start=1):
        files.write("Condition", fr.condition(stay, index, condition))
    for rx in record.prescriptions:
        files.write("MedicationRequest", fr.medication_request(stay, rx))
    for lab in record.labs:
        for index, item in enumerate(lab.final_items(), start=1):
            files.write("Observation", fr.observation(lab, index, item))
        files.write("DiagnosticReport", fr.diagnostic_report(lab))
    for doc in record.documents:
        files.write(
            "DocumentReference", fr.document_reference(stay, doc, cda_base64(stay.patient, doc))
        )


def write_rpu(folder: Path, world: World) -> tuple[int, list[str]]:
    """One OSCOUR file per day of ED entries, for passages that have left the ED."""
    by_day: dict[dt.date, list[EdPassage]] = {}
    for stay in world.sim.stays:
        passage = stay.ed
        if passage is not None and passage.left_at is not None:
            by_day.setdefault(passage.entered_at.astimezone(PARIS).date(), []).append(passage)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    finess = world.hospital.finess
    for day in sorted(by_day):
        passages = sorted(by_day[day], key=lambda p: p.entered_at)
        name = f"O{finess}_0_{day:%Y%m%d}.xml"
        (folder / name).write_text(
            oscour_xml(finess, day, world.now, passages, PARIS), encoding="utf-8"
        )
        names.append(name)
    return sum(len(v) for v in by_day.values()), names
