"""FHIR, census, RPU and inventory outputs: valid, consistent and byte-for-byte repeatable."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from autarcie.demo.synth import GenerationSummary, build_hospital, build_inventory, generate
from autarcie.demo.synth.generate import simulate
from autarcie.demo.synth.inventory import Item
from autarcie.demo.synth.people import INS_TEST_SYSTEM, nir_key
from autarcie.demo.synth.rpu import EdPassage, check_consistency


def _ndjson(out: Path, kind: str) -> list[dict[str, Any]]:
    path = out / "fhir" / f"{kind}.ndjson"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_fhir_resource_type_validates_with_r4b_models(
    small_hospital: GenerationSummary,
) -> None:
    for kind in small_hospital.fhir_resources:
        model = getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
        for resource in _ndjson(small_hospital.out_dir, kind)[:25]:
            model.model_validate(resource)


def test_manifest_lists_every_file_with_its_line_count(small_hospital: GenerationSummary) -> None:
    out = small_hospital.out_dir
    manifest = json.loads((out / "fhir" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["error"] == [] and manifest["requiresAccessToken"] is False
    for entry in manifest["output"]:
        assert len(_ndjson(out, entry["type"])) == entry["count"] > 0


def test_fhir_patients_are_qualified_only_with_a_valid_test_ins(
    small_hospital: GenerationSummary,
) -> None:
    qualified = 0
    for patient in _ndjson(small_hospital.out_dir, "Patient"):
        status = patient["extension"][0]["extension"][0]["valueCoding"]["code"]
        ins = [i for i in patient["identifier"] if i["system"] == INS_TEST_SYSTEM]
        assert (status == "QUAL") == bool(ins)
        for identifier in ins:
            qualified += 1
            assert nir_key(identifier["value"][:13]) == identifier["value"][13:]
    assert qualified > 0


def test_ipp_and_nda_are_unique(small_hospital: GenerationSummary) -> None:
    out = small_hospital.out_dir
    ipps = [p["identifier"][-1]["value"] for p in _ndjson(out, "Patient")]
    ndas = [e["identifier"][0]["value"] for e in _ndjson(out, "Encounter") if "partOf" not in e]
    assert len(ipps) == len(set(ipps)) > 0
    assert len(ndas) == len(set(ndas)) > 0


def test_no_bed_holds_two_patients_at_once() -> None:
    world = simulate(seed=3, beds=120, days=2)
    by_bed = defaultdict(list)
    for stay in world.sim.stays:
        for segment in stay.segments:
            if segment.location.bed:
                end = segment.end or stay.discharged_at or world.now
                by_bed[segment.location].append((segment.start, end, stay.nda))
    assert by_bed
    for intervals in by_bed.values():
        intervals.sort()
        for (_s1, end1, nda1), (start2, _e2, nda2) in itertools.pairwise(intervals):
            assert end1 <= start2, (nda1, nda2)


def test_occupancy_is_close_to_85_percent() -> None:
    world = simulate(seed=2, beds=300, days=2)
    occupied = sum(
        1 for s in world.sim.stays if s.present_at(world.now) and s.segments[-1].location.bed
    )
    assert 0.75 <= occupied / 300 <= 0.95


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    def digest(folder: Path) -> dict[str, str]:
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    generate(tmp_path / "a", beds=40, days=1, seed=11, patients=20)
    generate(tmp_path / "b", beds=40, days=1, seed=11, patients=20)
    generate(tmp_path / "c", beds=40, days=1, seed=12, patients=20)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_rpu_files_respect_the_consistency_rules(small_hospital: GenerationSummary) -> None:
    passages = 0
    for path in (small_hospital.out_dir / "rpu").glob("*.xml"):
        for patient in ET.parse(path).getroot().iter("PATIENT"):  # noqa: S314 (own file)
            items = {child.tag: (child.text or "") for child in patient}
            passages += 1
            assert items["MODE_SORTIE"] in ("6", "7", "8", "9")
            if items["MODE_ENTREE"] in ("6", "7"):
                assert items["PROVENANCE"] in ("1", "2", "3", "4")
            if items["MODE_SORTIE"] == "8":
                assert items["ORIENT"] in ("", "FUGUE", "SCAM", "PSA", "REO")
            if items["MODE_SORTIE"] in ("6", "7"):
                assert items["DESTINATION"] in ("1", "2", "3", "4")
    assert passages == small_hospital.rpu_passages > 0


def test_rpu_check_rejects_a_home_exit_with_an_icu_orientation() -> None:
    world = simulate(seed=5, beds=60, days=1)
    passage = next(s.ed for s in world.sim.stays if s.ed is not None)
    assert isinstance(passage, EdPassage)
    from dataclasses import replace

    assert check_consistency(replace(passage, mode_sortie="8", destination="", orient="REA"))


def test_units_have_every_kind_and_the_requested_beds() -> None:
    hospital = build_hospital(seed=1, beds=869)
    assert sum(u.beds for u in hospital.units) == 869
    assert 30 <= len(hospital.units) <= 45
    kinds = {u.kind for u in hospital.units}
    assert {"emergency", "icu", "continuing_care", "maternity", "psychiatry"} <= kinds
    assert {u.ror_category for u in hospital.units} >= {"121", "254", "262", "263", "264"}


def test_inventory_is_acyclic_unless_a_cycle_is_asked_for() -> None:
    def has_cycle(items: list[Item]) -> bool:
        ids = {item.ident for item in items}
        seen: set[str] = set()
        for item in items:
            assert set(item.depends_on) <= ids
            if not set(item.depends_on) <= seen:
                return True
            seen.add(item.ident)
        return False

    items = build_inventory(seed=1, beds=869)
    apps = [i for i in items if i.kind == "application"]
    servers = [i for i in items if i.kind == "server"]
    assert 340 <= len(apps) <= 380 and 1150 <= len(servers) <= 1250
    assert not has_cycle(items)
    assert has_cycle(build_inventory(seed=1, beds=869, with_cycle=True))


def test_historical_patients_only_go_to_fhir(tmp_path: Path) -> None:
    summary = generate(tmp_path / "h", beds=30, days=1, seed=4, patients=50)
    baseline = generate(tmp_path / "n", beds=30, days=1, seed=4)
    assert summary.fhir_resources["Patient"] == baseline.fhir_resources["Patient"] + 50
    assert summary.hl7_messages == baseline.hl7_messages
