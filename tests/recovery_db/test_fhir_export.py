"""FHIR export: valid R4 transaction bundles, conditional creates, posting, resuming."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from autarcie.care import actions as care_actions
from autarcie.core.journal import verify
from autarcie.recovery.exports import export_fhir
from autarcie.recovery.models import ExportRecord, Status
from tests.recovery_db.conftest import first_entry, reconcile_all_as_new
from tests.recovery_db.servers import fhir_server


def _bundles(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def test_every_bundle_and_resource_is_valid_r4(downtime: None, tmp_path: Path) -> None:
    reconcile_all_as_new()
    summary = export_fhir(actor="system:test", out=tmp_path)
    bundles = _bundles(tmp_path)
    assert len(bundles) == len(summary.files) > 5
    kinds = set()
    for data in bundles:
        Bundle.model_validate(data)
        assert data["type"] == "transaction"
        patient = data["entry"][0]
        assert patient["resource"]["resourceType"] == "Patient"
        assert patient["request"]["ifNoneExist"].startswith("identifier=")
        for entry in data["entry"][1:]:
            kinds.add(entry["resource"]["resourceType"])
            assert entry["resource"]["subject"]["reference"] == patient["fullUrl"]
            assert entry["fullUrl"].startswith("urn:uuid:")
            assert entry["request"]["ifNoneExist"].startswith("identifier=urn:autarcie:")
    assert {
        "Encounter",
        "Observation",
        "MedicationAdministration",
        "MedicationRequest",
        "DocumentReference",
    } <= kinds
    assert summary.counts == {"sent": summary.selected}


def test_unreconciled_identities_wait_and_files_are_not_written_twice(
    downtime: None, tmp_path: Path
) -> None:
    summary = export_fhir(actor="system:test", out=tmp_path / "a")
    assert summary.waiting_identity > 0
    text = " ".join(json.dumps(b) for b in _bundles(tmp_path / "a"))
    assert "urn:autarcie:authority" not in text and '"T01' not in text  # no temporary id left
    again = export_fhir(actor="system:test", out=tmp_path / "b")
    assert again.selected == 0


def test_posting_acknowledges_and_one_refused_bundle_is_rejected_with_its_reason(
    downtime: None, tmp_path: Path
) -> None:
    reconcile_all_as_new()

    def judge(body: bytes) -> str | None:
        return "Patient ROBERT : IPP inconnu du SIH" if b'"P8"' in body else None

    with fhir_server(judge) as (url, received):
        summary = export_fhir(actor="system:test", post=url)
        assert summary.counts["rejected"] > 0 and summary.counts["acknowledged"] > 0
        rejected = ExportRecord.objects.filter(channel="fhir", status=Status.REJECTED)
        assert {r.answer for r in rejected} == {"HTTP 422 : Patient ROBERT : IPP inconnu du SIH"}
        posted = len(received.payloads)
        again = export_fhir(actor="system:test", post=url)
        assert again.selected == rejected.count()  # only what is missing goes again
        assert len(received.payloads) == posted + 1
    assert verify().ok


def test_a_correction_after_acceptance_is_sent_as_a_conditional_update(
    downtime: None, tmp_path: Path
) -> None:
    reconcile_all_as_new()
    with fhir_server(lambda body: None) as (url, received):
        export_fhir(actor="system:test", post=url)
        note = first_entry("note")
        care_actions.correct_entry(
            actor="system:test",
            entry=note,
            reason="faute de frappe",
            data={"category": "nursing", "text": "Transmission corrigée."},
        )
        summary = export_fhir(actor="system:test", post=url)
        assert summary.selected == 1
        bundle = json.loads(received.payloads[-1])
    request = bundle["entry"][1]["request"]
    assert request["method"] == "PUT"
    assert request["url"].startswith("DocumentReference?identifier=")


def test_a_server_that_cannot_be_reached_leaves_records_sent_for_the_next_run(
    downtime: None,
) -> None:
    reconcile_all_as_new()
    summary = export_fhir(actor="system:test", post="http://127.0.0.1:9/fhir")
    assert summary.counts == {"sent": summary.selected}
    assert not ExportRecord.objects.filter(status=Status.ACKNOWLEDGED).exists()
