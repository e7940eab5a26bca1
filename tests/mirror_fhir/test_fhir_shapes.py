"""`autarcie fhir import` reads FHIR the way users hold it: NDJSON, a Bundle, one resource."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from autarcie.cli import main
from autarcie.mirror.models import Condition, Inbound, Patient, Result, Stay, Version
from tests.mirror_fhir.conftest import FIXTURES, FR_CORE

pytestmark = pytest.mark.django_db
BUNDLES = FIXTURES / "bundles"


@pytest.fixture
def fhir_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> object:
    """Runs the real command; the test database is already configured (see test_tokens)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("x" * 50, encoding="ascii")
    monkeypatch.setenv("AUTARCIE_DATA_DIR", os.environ["AUTARCIE_DATA_DIR"])

    def run(*paths: Path) -> str:
        code = main(["fhir", "import", *map(str, paths), "--data-dir", str(data)])
        out = capsys.readouterr().out
        assert code == 0, out
        return out

    return run


def test_transaction_bundle_resolves_urn_uuid_references_to_the_bundles_patient(
    fhir_import: object,
) -> None:
    out = fhir_import(BUNDLES / "fr-core-transaction.json")  # type: ignore[operator]
    assert "a transaction Bundle of 7 entries (1 without a resource left aside)" in out
    louise = Patient.objects.get(ipp="IPP000101")
    potassium = Result.objects.get(code="2823-3")
    assert potassium.patient_id == louise.pk
    assert potassium.value_num == pytest.approx(3.9)
    stay = Stay.objects.get(patient=louise)
    assert stay.rkey == "999000017|fhir-9b2d6e14-3a7c-4f05-8e2b-61c4d9a0f322"
    assert stay.status == "admitted"
    kept = Inbound.objects.get(event="Observation")
    resource = json.loads(bytes(kept.raw))
    assert resource["subject"]["reference"] == "Patient/4f3c9a52-7d1e-4b8a-9c61-2e5f0d8b7a11"
    assert not Inbound.objects.filter(state="quarantined").exists()


def test_synthea_bundle_without_encounter_identifiers_imports_and_converges(
    fhir_import: object,
) -> None:
    path = BUNDLES / "synthea-transaction-excerpt.json"
    fhir_import(path)  # type: ignore[operator]
    fhir_import(path)  # type: ignore[operator]
    assert Stay.objects.count() == 1
    stay = Stay.objects.get()
    assert stay.rkey == (
        "http://hospital.smarthealthit.org|fhir-8c39bd5d-1305-4058-8a88-f6208cda0f7c"
    )
    assert stay.status == "discharged"
    assert Condition.objects.filter(patient=stay.patient).count() == 2
    assert Version.objects.filter(rtype="Stay").count() == 1


def test_bundle_entries_without_resource_or_identity_are_accounted_for(
    fhir_import: object,
) -> None:
    out = fhir_import(BUNDLES / "hl7-bundle-transaction.json")  # type: ignore[operator]
    assert "a transaction Bundle of 10 entries (4 without a resource left aside)" in out
    rows = Inbound.objects.order_by("id")
    assert rows.count() == 6
    refused = rows.filter(event="Patient")
    assert {r.state for r in refused} == {"quarantined"}
    assert {r.error_location for r in refused} == {f"entry {n}" for n in range(1, 6)}
    assert Patient.objects.count() == 0
    assert rows.get(event="Parameters").state == "applied"


def test_a_single_resource_file_and_a_searchset_are_read_as_such(
    fhir_import: object, tmp_path: Path
) -> None:
    lines = (FR_CORE / "Patient.ndjson").read_text(encoding="utf-8").splitlines()
    single = tmp_path / "patient.json"
    single.write_text(json.dumps(json.loads(lines[0]), indent=2), encoding="utf-8")
    out = fhir_import(single)  # type: ignore[operator]
    assert "patient.json: one Patient resource" in out
    assert Patient.objects.get().ipp == "IPP000042"
    search = tmp_path / "search.json"
    entries = [{"fullUrl": "http://his/fhir/Patient/x", "resource": json.loads(x)} for x in lines]
    search.write_text(
        json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}),
        encoding="utf-8",
    )
    out = fhir_import(search)  # type: ignore[operator]
    assert f"a searchset Bundle of {len(lines)} entries" in out
    assert Patient.objects.count() == len(lines)


def test_ndjson_is_still_named_in_the_summary(fhir_import: object, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(FR_CORE / "Patient.ndjson", folder / "Patient.ndjson")
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    out = fhir_import(folder)  # type: ignore[operator]
    assert "read Patient.ndjson: NDJSON" in out
    assert "left aside (not FHIR NDJSON or JSON): manifest.json" in out


def test_both_identity_reliability_urls_set_the_identity_status() -> None:
    from autarcie.mirror.fhir_import import import_paths

    import_paths([BUNDLES / "fr-core-transaction.json"])
    v1 = Patient.objects.get(ipp="IPP000101")
    assert v1.ins == "269109912332183" and v1.ins_trusted
    assert "VALI" in v1.statuses
    current = Patient.objects.get(ipp="IPP000102")
    assert current.ins_trusted and "QUAL" in current.statuses
    # In today's FR Core, VALI is validated without the INSi teleservice: not qualified.
    validated = Patient.objects.get(ipp="IPP000103")
    assert validated.ins == "180017512345660" and not validated.ins_trusted


def _patient_with(extension: dict[str, object]) -> dict[str, object]:
    bundle = json.loads((BUNDLES / "fr-core-transaction.json").read_text(encoding="utf-8"))
    louise = next(e["resource"] for e in bundle["entry"] if "IPP000101" in json.dumps(e))
    return {**louise, "id": "louise", "extension": [extension]}


@pytest.mark.parametrize(
    ("url", "sub", "code", "trusted"),
    [
        ("http://interopsante.org/fhir/StructureDefinition/FrPatientIdentReliability",
         "identityReliability", "VALI", True),
        ("http://interopsante.org/fhir/StructureDefinition/fr-core-ident-reliability",
         "identityReliability", "VALI", True),
        ("http://interopsante.org/fhir/StructureDefinition/FrPatientIdentReliability",
         "identityReliability", "PROV", False),
        ("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
         "identityStatus", "QUAL", True),
        ("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
         "identityStatus", "VALI", False),
    ],
)  # fmt: skip
def test_each_reliability_extension_url_sets_status_and_trust(
    url: str, sub: str, code: str, trusted: bool
) -> None:
    from autarcie.mirror.fhir_map import PatientOp, map_resource

    extension: dict[str, object] = {
        "url": url,
        "extension": [{"url": sub, "valueCoding": {"code": code}}],
    }
    ops = map_resource(_patient_with(extension), lambda _ref: None)
    assert isinstance(ops, list) and isinstance(ops[0], PatientOp)
    record = ops[0].record
    assert (record.statuses, record.ins_trusted) == ((code,), trusted)


def test_an_encounter_without_identifier_is_keyed_by_its_id_under_its_patients_authority() -> None:
    from autarcie.mirror.fhir_map import VenueOp, map_resource

    encounter = {
        "resourceType": "Encounter",
        "id": "enc-7",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/p"},
        "period": {"start": "2026-11-02T10:00:00Z", "end": "2026-11-02T11:00:00Z"},
    }
    ops = map_resource(encounter, {"Patient/p": "999000017|IPP7"}.get)
    assert isinstance(ops, list) and isinstance(ops[0], VenueOp)
    assert ops[0].stay.rkey == "999000017|fhir-enc-7"
    long_id = {**encounter, "id": "x" * 150}
    ops = map_resource(long_id, {"Patient/p": "999000017|IPP7"}.get)
    assert isinstance(ops, list) and isinstance(ops[0], VenueOp)
    assert len(ops[0].stay.nda) <= 64 and ops[0].stay.nda.startswith("fhir-")
