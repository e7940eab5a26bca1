"""Who a message is about: a qualified INS alone, one IPP through HL7 and FHIR, untyped names.

Real messages through the real ingest paths: the ANS CI-SIS lab result whose PID-3 holds only
the INS, PAM France admissions, a FR Core Patient imported as the hospital's FHIR feed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.identity import INS_ONLY, ins_status
from autarcie.mirror.models import Document, Patient, Version
from autarcie.recovery.fhir_build import patient_bundle
from autarcie.recovery.hl7_build import pid
from autarcie.recovery.records import patient_target
from tests.factories import make_unit, make_user
from tests.fhir_api.conftest import bearer
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import feed, messages

pytestmark = pytest.mark.django_db

ORU = "ans_oru_cr_bio_ins_only.hl7"
NIR = "279035121518989"  # the ANS sample's test INS (OID 1.2.250.1.213.1.4.10), PID-32 VALI
FINESS = "123456789"
HL7_SYSTEM = f"urn:oid:1.2.250.1.71.4.2.2.{FINESS}"  # tests.mirror_db.builders.AUTH
FHIR_SYSTEM = f"urn:oid:1.2.250.1.71.4.2.7.{FINESS}"


def _oru(*, qualified: bool = True, control: str = "015") -> bytes:
    raw = messages(ORU)[0]
    if not qualified:
        raw = raw.replace(b"|N|VALI", b"|N|PROV")
    return raw.replace(b"|ORU^R01^ORU_R01|015|", f"|ORU^R01^ORU_R01|{control}|".encode())


def _ack_code(ack: bytes) -> str:
    msa = parse_message(ack).segment("MSA")
    assert msa is not None
    return msa.text(1)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    return client


def _import_patient(tmp_path: Path, *identifiers: dict[str, object]) -> None:
    resource = {
        "resourceType": "Patient",
        "id": "his-ipp001",
        "identifier": list(identifiers),
        "name": [{"use": "official", "family": "DUPONT", "given": ["JEANNE"]}],
        "gender": "female",
        "birthDate": "1950-03-12",
    }
    path = tmp_path / "Patient.ndjson"
    path.write_text(json.dumps(resource) + "\n", encoding="utf-8")
    import_paths([path])


def _ipp(system: str) -> dict[str, object]:
    pi = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PI"}]}
    return {"use": "usual", "type": pi, "system": system, "value": "IPP001"}


# -- item 1: identity by INS ----------------------------------------------------------------


def test_result_known_by_its_qualified_ins_alone_lands_on_the_admitted_patient() -> None:
    admitted = feed([adt("A01", "A1", ins=NIR, statuses="VALI")])
    assert admitted[0].code == "AA"
    outcome = feed([_oru()])[0]
    assert outcome.code == "AA", outcome.ack
    patient = Patient.objects.get()
    assert (patient.ipp, patient.birth_family) == ("IPP001", "DUPONT")  # identity untouched
    assert Document.objects.filter(patient=patient).exists()


def test_a_report_labelled_xml_that_holds_plain_text_shows_its_words() -> None:
    feed([adt("A01", "A1", ins=NIR, statuses="VALI")])
    feed([_oru()])
    texts = {d.text for d in Document.objects.all()}
    assert texts == {"Document medcial au format CDA niveau 1"}  # as the ANS sample spells it


def test_unknown_qualified_ins_makes_a_provisional_identity_flagged_to_reconcile() -> None:
    outcome = feed([_oru()])[0]
    assert outcome.code == "AA", outcome.ack
    provisional = Patient.objects.get()
    assert provisional.ins_only and provisional.ins == NIR and provisional.ins_trusted
    assert ins_status(provisional.statuses, provisional.ins_trusted, provisional.authority) == (
        INS_ONLY
    )
    assert Document.objects.filter(patient=provisional).exists()
    physician = make_user("dr.bio", Role.PHYSICIAN, all_units=True)
    page = _client(physician).get(f"/patients/{provisional.pk}/").content.decode()
    assert "INS seule, à rapprocher" in page and "PAT-TROIS" in page
    hits = _client(physician).get("/recherche/", {"q": "pat-trois"}).content.decode()
    assert "INS seule, à rapprocher" in hits and NIR not in hits
    # The hospital admits the patient later: a second identity, never merged silently; the
    # next result goes to the admitted patient, the first stays on the flagged identity.
    feed([adt("A01", "A1", ins=NIR, statuses="VALI")])
    assert Patient.objects.count() == 2
    feed([_oru(control="016")])
    admitted = Patient.objects.get(ipp="IPP001")
    assert Document.objects.filter(patient=admitted).exists()
    assert Patient.objects.get(pk=provisional.pk).merged_into_id is None


def test_unqualified_ins_never_identifies_a_patient() -> None:
    feed([adt("A01", "A1", ins=NIR, statuses="PROV")])  # INS received, identity not qualified
    refused = feed([_oru(qualified=False)])[0]
    assert _ack_code(refused.ack) == "AE"
    assert not Document.objects.exists()
    # A qualified INS does not match a patient whose own INS is not trusted either.
    feed([_oru(control="017")])
    assert Patient.objects.count() == 2
    assert not Document.objects.filter(patient__ipp="IPP001").exists()


# -- item 2: identifiers as received --------------------------------------------------------


def test_same_ipp_through_hl7_and_fhir_is_one_patient_found_by_either_system(
    tmp_path: Path,
) -> None:
    cardio = make_unit("2010")
    feed([adt("A01", "A1")])
    _import_patient(tmp_path, _ipp(HL7_SYSTEM), _ipp(FHIR_SYSTEM))
    patient = Patient.objects.get()
    nurse = make_user("ide.cardio", Role.NURSE, units=[cardio])
    for system in (HL7_SYSTEM, FHIR_SYSTEM):
        response = bearer(nurse).get("/fhir/Patient", {"identifier": f"{system}|IPP001"})
        body = response.json()
        assert [e["resource"]["id"] for e in body.get("entry", [])] == [str(patient.pk)]
    read = bearer(nurse).get(f"/fhir/Patient/{patient.pk}").json()
    systems = {i["system"] for i in read["identifier"] if i["value"] == "IPP001"}
    assert systems == {HL7_SYSTEM, FHIR_SYSTEM}


def test_ipp_under_a_namespace_alone_is_listed_once() -> None:
    cardio = make_unit("2010")
    feed([adt("A01", "A1").replace(b"CH-TEST&1.2.250.1.71.4.2.2.123456789&ISO", b"CH-TEST")])
    patient = Patient.objects.get()
    nurse = make_user("ide.cardio", Role.NURSE, units=[cardio])
    read = bearer(nurse).get(f"/fhir/Patient/{patient.pk}").json()
    assert [(i["system"], i["value"]) for i in read["identifier"]] == [
        ("urn:autarcie:authority:CH-TEST", "IPP001")
    ]


def test_recovery_bundle_looks_the_patient_up_by_the_his_own_fhir_system(
    tmp_path: Path,
) -> None:
    feed([adt("A01", "A1")])
    _import_patient(tmp_path, _ipp(FHIR_SYSTEM))
    target = patient_target(Patient.objects.get(), "NDA001")
    bundle = patient_bundle(target, [], FINESS)
    request = bundle["entry"][0]["request"]
    assert request["ifNoneExist"] == f"identifier={FHIR_SYSTEM}|IPP001"


def test_hl7_export_names_the_ipp_authority_as_the_his_sent_it() -> None:
    feed([adt("A01", "A1")])
    target = patient_target(Patient.objects.get(), "NDA001")
    assert target.assigner == "CH-TEST&1.2.250.1.71.4.2.2.123456789&ISO"
    assert pid(target).split("|")[3] == "IPP001^^^CH-TEST&1.2.250.1.71.4.2.2.123456789&ISO^PI"


# -- item 5: names --------------------------------------------------------------------------


def test_name_without_type_code_is_the_legal_name_and_is_shown() -> None:
    raw = adt("A01", "A1", family="MARTIN", given="PAUL").replace(
        b"MARTIN^PAUL^^^^^L", b"MARTIN^PAUL~MARTY^PAULO^^^^^S"
    )
    assert feed([raw])[0].code == "AA"
    patient = Patient.objects.get()
    assert (patient.birth_family, patient.given) == ("MARTIN", "PAUL")
    kept = Version.objects.get(rtype="Patient", rkey=patient.rkey).data["names"]
    assert kept == [":MARTIN^PAUL", "S:MARTY^PAULO"]  # every repetition, as received
    physician = make_user("dr.card", Role.PHYSICIAN, all_units=True)
    page = _client(physician).get(f"/patients/{patient.pk}/").content.decode()
    assert "MARTIN" in page and "PAUL" in page


def test_untyped_name_with_a_used_name_keeps_both() -> None:
    raw = adt("A01", "A1", family="MARTIN", given="PAULINE").replace(
        b"MARTIN^PAULINE^^^^^L", b"MARTIN^PAULINE~DURAND^PAULINE^^^^^D"
    )
    feed([raw])
    patient = Patient.objects.get()
    assert (patient.birth_family, patient.used_family) == ("MARTIN", "DURAND")
