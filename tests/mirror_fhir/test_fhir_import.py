"""FHIR NDJSON through the real import path: stored, projected, quarantined, journaled."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from autarcie.core import journal
from autarcie.core.models import JournalEntry
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.models import (
    Administration,
    Allergy,
    Condition,
    Document,
    Immunization,
    Inbound,
    Movement,
    Patient,
    Prescription,
    Reference,
    Result,
    Stay,
    Version,
)
from tests.mirror_fhir.conftest import FR_CORE, SAMPLE

pytestmark = pytest.mark.django_db


def test_fr_core_folder_is_projected_with_trusted_ins_only_when_qualified() -> None:
    summary = import_paths([FR_CORE])
    assert summary.total("rejected") == 0, summary.lines()
    qual = Patient.objects.get(ipp="IPP000042")
    assert qual.authority == "999000017"
    assert (qual.ins, qual.ins_trusted) == ("280017512345610", True)
    assert (qual.birth_family, qual.used_family, qual.given) == ("TESTFICTIF", "DUPONT", "CAMILLE")
    assert qual.birthplace_code == "35238"
    vali = Patient.objects.get(ipp="IPP000043")
    assert vali.ins == "180017512345698" and not vali.ins_trusted
    assert Patient.objects.get(ipp="IPP000044").hidden
    assert Patient.objects.get(ipp="IPP000045").hidden
    assert not qual.hidden


def test_fr_core_movements_fold_into_the_stay_where_the_patient_is_now() -> None:
    import_paths([FR_CORE])
    stay = Stay.objects.get(nda="NDA000042")
    assert stay.rkey == "999000017|NDA000042"
    assert (stay.status, stay.unit_code, stay.room, stay.bed) == ("admitted", "CARD", "12", "A")
    assert stay.attending == "Jeanne FICTIF"
    kinds = dict(Movement.objects.filter(stay=stay).values_list("movement_id", "kind"))
    assert kinds == {"MVT1": "admission", "MVT2": "transfer"}
    finished = Stay.objects.get(nda="NDA000043")
    assert finished.status == "discharged" and finished.source == "snapshot"


def test_fr_core_clinical_resources_use_the_hl7_keys() -> None:
    import_paths([FR_CORE])
    assert Allergy.objects.get().rkey == "999000017|IPP000042|allergy|J01CA04"
    assert Condition.objects.get().active
    rx = Prescription.objects.get()
    assert (rx.rkey, rx.stay_nda, rx.times) == ("prescription|CMD0001", "NDA000042", "08:00 12:00")
    given = Administration.objects.get()
    assert given.prescription_rkey == "prescription|CMD0001"
    potassium = Result.objects.get(code="2823-3")
    assert potassium.rkey == "result|LAB0001|2823-3|"
    assert potassium.value_num == pytest.approx(4.1)
    assert Result.objects.filter(panel_code="85354-9").count() == 2
    texts = dict(Document.objects.values_list("rkey", "text"))
    assert "Kaliémie" in texts["document|LAB0001|1"]
    assert "bon etat general" in texts["document|DOC0001|1"]


def test_immunization_is_projected_and_types_not_projected_are_stored_as_raw_versions() -> None:
    import_paths([FR_CORE])
    immunization = Immunization.objects.get()
    assert immunization.rkey == "999000017|IPP000042|immunization|imm-1"
    assert immunization.label == "Grippe"
    assert Inbound.objects.filter(event="Immunization", state="applied").count() == 1
    summary = import_paths([SAMPLE])
    for rtype in ("Device", "PractitionerRole"):
        assert summary.of(rtype).read > 0
        assert Version.objects.filter(rtype=rtype).count() == summary.of(rtype).read
        assert Version.objects.filter(rtype=rtype).first().data["resourceType"] == rtype  # type: ignore[union-attr]


def test_synthea_sample_set_imports_with_mr_identifiers_as_ipp() -> None:
    summary = import_paths([SAMPLE])
    assert summary.skipped == ["log.ndjson.gz"]
    assert summary.of("Patient").projected == 13
    assert Patient.objects.count() == 13
    assert Patient.objects.filter(authority="http://hospital.smarthealthit.org").count() == 13
    assert summary.of("Encounter").projected == summary.of("Encounter").read
    assert summary.of("MedicationRequest").projected == summary.of("MedicationRequest").read
    assert summary.total("rejected") == 0, summary.lines()
    assert Stay.objects.count() == summary.of("Encounter").read
    assert Version.objects.filter(rtype="Immunization").count() == summary.of("Immunization").read
    assert Reference.objects.filter(rtype="Practitioner").count() == 43


def test_bad_lines_are_quarantined_with_their_reason_and_the_import_goes_on(
    tmp_path: Path,
) -> None:
    good = {"resourceType": "Procedure", "id": "proc-9", "status": "completed"}
    path = tmp_path / "Mixed.ndjson"
    lines = [
        b"{not json",
        json.dumps({"resourceType": "Nonsense", "id": "x"}).encode(),
        json.dumps({"resourceType": "Patient", "id": "p-no-ipp", "identifier": []}).encode(),
        json.dumps(
            {
                "resourceType": "Condition",
                "id": "c1",
                "code": {"text": "x"},
                "subject": {"reference": "Patient/unknown"},
            }
        ).encode(),
        json.dumps(good).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = import_paths([path])
    kept = {
        row.raw.tobytes() if hasattr(row.raw, "tobytes") else bytes(row.raw): row
        for row in Inbound.objects.all()
    }
    assert len(kept) == 5
    assert kept[b"{not json"].state == "quarantined"
    assert kept[b"{not json"].reason == "not valid JSON"
    assert kept[b"{not json"].error_location == "line 1"
    reasons = sorted(r.reason for r in kept.values() if r.state == "quarantined")
    assert reasons == [
        "Patient has no IPP identifier (type PI, or MR as a fallback)",
        "not valid JSON",
        "subject Patient not received yet",
        "unknown or missing resourceType",
    ]
    assert summary.total("rejected") == 4 and summary.total("stored") == 1


def test_gzip_file_is_read_like_plain_ndjson(tmp_path: Path) -> None:
    plain = (FR_CORE / "Practitioner.ndjson").read_bytes()
    path = tmp_path / "Practitioner.000.ndjson.gz"
    path.write_bytes(gzip.compress(plain))
    import_paths([path])
    assert Reference.objects.get(rtype="Practitioner").label == "Jeanne FICTIF"


def test_each_batch_is_journaled_once_with_the_digest_of_its_raw_lines(tmp_path: Path) -> None:
    import hashlib

    raw = (FR_CORE / "Patient.ndjson").read_bytes()
    summary = import_paths([FR_CORE / "Patient.ndjson"], batch_lines=3)
    assert summary.batches == 2
    batches = JournalEntry.objects.filter(action="feed.batch_committed").order_by("seq")
    assert [b.details["count"] for b in batches] == [3, 1]
    lines = [line for line in raw.split(b"\n") if line]
    assert batches[0].details["sha256"] == hashlib.sha256(b"".join(lines[:3])).hexdigest()
    assert JournalEntry.objects.filter(action="feed.imported").count() == 1
    assert journal.verify().ok


def test_reimporting_the_same_file_adds_inbound_rows_but_no_versions() -> None:
    import_paths([FR_CORE])
    versions = Version.objects.count()
    import_paths([FR_CORE])
    assert Version.objects.count() == versions
    assert Inbound.objects.count() == 2 * 27


def test_frozen_mirror_holds_every_resource_without_applying_it() -> None:
    from autarcie.mirror.models import MirrorState

    MirrorState.objects.create(pk=1, frozen=True, reason="test")
    summary = import_paths([FR_CORE])
    assert summary.total("held") == 27
    assert Patient.objects.count() == 0 and Version.objects.count() == 0
    assert Inbound.objects.filter(state="held").count() == 27
