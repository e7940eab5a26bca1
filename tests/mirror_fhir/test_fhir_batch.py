"""The batched import path stores exactly what the one-by-one path stores.

The fast path (``fhir_map_batch``) holds writes and flushes them per table; the one-by-one
path (one savepoint per resource) is the reference. Both import the same files into an
empty mirror, and every projection, version, token and inbound row is compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model

from autarcie.mirror import models as m
from autarcie.mirror.fhir_files import collect
from autarcie.mirror.fhir_import import Importer
from tests.mirror_fhir.conftest import FR_CORE, SAMPLE, write_ndjson

pytestmark = pytest.mark.django_db

IPP = "urn:oid:1.2.250.1.71.4.2.7.999000017"
NDA = "urn:oid:1.2.250.1.71.4.2.2.999000017"
PI = {"coding": [{"code": "PI"}]}


def _patient(fhir_id: str, ipp: str, family: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": fhir_id,
        "identifier": [{"type": PI, "system": IPP, "value": ipp}],
        "name": [{"use": "official", "family": family, "given": ["ALEX"]}],
        "gender": "other",
        "birthDate": "1970-01-02",
    }


def _observation(fhir_id: str, subject: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": fhir_id,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2823-3"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": "2026-11-21T07:00:00Z",
        "valueQuantity": {"value": value, "unit": "mmol/L"},
    }


def _venue(fhir_id: str, subject: str, nda: str) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": fhir_id,
        "status": "in-progress",
        "identifier": [{"type": {"coding": [{"code": "VN"}]}, "system": NDA, "value": nda}],
        "class": {"code": "IMP"},
        "subject": {"reference": subject},
        "period": {"start": "2026-11-20T09:00:00Z"},
    }


def _movement(fhir_id: str, venue: str, start: str) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": fhir_id,
        "status": "in-progress",
        "identifier": [{"system": f"{NDA}.mvt", "value": fhir_id.upper()}],
        "class": {"code": "IMP"},
        "subject": {"reference": "Patient/x"},
        "period": {"start": start},
        "partOf": {"reference": f"Encounter/{venue}"},
    }


def tricky_lines() -> list[Any]:
    """Lines whose outcome depends on the lines before them in the same chunk."""
    proc = {"resourceType": "Procedure", "id": "proc-x", "status": "completed"}
    return [
        _observation("early", "Patient/later", 4.0),  # its patient comes after it
        _patient("later", "IPP-L", "LATER"),
        _observation("after", "Patient/later", 4.2),
        _patient("twice", "IPP-T", "FIRST"),
        _observation("t1", "Patient/twice", 3.9),
        _patient("twice", "IPP-T", "SECOND"),  # a new version in the same chunk
        _observation("t1", "Patient/twice", 4.4),  # and a new version of the result
        _venue("ghost-stay", f"Patient?identifier={IPP}|IPP-NONE", "NDA-G"),  # refused
        _movement("ghost-move", "ghost-stay", "2026-11-20T10:00:00Z"),  # so not resolved
        _venue("stay", "Patient/later", "NDA-S"),
        _movement("move-1", "stay", "2026-11-20T09:00:00Z"),
        _venue("stay", "Patient/later", "NDA-S"),  # the venue again, once it has movements
        _movement("move-2", "stay", "2026-11-21T09:00:00Z"),
        proc,
        {**proc, "status": "not-done"},
        proc,
        "not an object",
        {"resourceType": "Observation", "id": "no-code", "subject": {"reference": "Patient/twice"}},
    ]


def _import(paths: list[Path], *, one_by_one: bool, batch_lines: int) -> None:
    files, _ = collect(paths)
    importer = Importer(one_by_one=one_by_one, batch_lines=batch_lines)
    for path in files:
        importer.import_file(path)
    importer.finish("files")


def _rows(model: type[Model], *fields: str) -> list[tuple[str, ...]]:
    """Rows as comparable text; row ids (which differ between runs) become patient keys."""
    patients = {str(pk): rkey for pk, rkey in m.Patient.objects.values_list("id", "rkey")}

    def text(value: Any) -> str:
        if isinstance(value, str) and value.startswith("{"):
            value = json.loads(value)
        if isinstance(value, dict) and "patient_id" in value:
            value = {**value, "patient_id": patients.get(str(value["patient_id"]))}
        return json.dumps(value, sort_keys=True, default=str)

    rows = model._default_manager.values_list(*fields)
    return sorted(tuple(text(v) for v in row) for row in rows)


# Ids differ between two runs, and so do digests of states holding a patient's row id.
_RUN_BOUND = ("id", "received_at", "patient_id", "stay_id", "merged_into_id", "digest")


def _columns(model: type[Model], *relations: str) -> list[str]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in _RUN_BOUND]
    return [*names, *relations]


def snapshot() -> dict[str, list[tuple[str, ...]]]:
    clinical = (
        m.Allergy,
        m.Condition,
        m.Immunization,
        m.Prescription,
        m.Administration,
        m.Result,
        m.Document,
    )
    shot = {
        "patient": _rows(m.Patient, *_columns(m.Patient, "merged_into__rkey")),
        "stay": _rows(m.Stay, *_columns(m.Stay, "patient__rkey")),
        "movement": _rows(m.Movement, *_columns(m.Movement, "stay__rkey")),
        "reference": _rows(m.Reference, *_columns(m.Reference)),
        "token": _rows(m.PatientToken, "patient__rkey", "token"),
        "version": _rows(
            m.Version, "rtype", "rkey", "version", "feed", "deleted", "data", "inbound__sha256"
        ),
        "inbound": _rows(m.Inbound, "sha256", "event", "state", "reason", "error_location"),
    }
    for model in clinical:
        shot[model.__name__] = _rows(model, *_columns(model, "patient__rkey"))
    return shot


def wipe() -> None:
    for model in (
        m.PatientToken,
        m.Allergy,
        m.Condition,
        m.Immunization,
        m.Prescription,
        m.Administration,
        m.Result,
        m.Document,
        m.Movement,
        m.Stay,
        m.Version,
        m.Inbound,
        m.Reference,
    ):
        model._default_manager.all().delete()
    m.Patient.objects.update(merged_into=None)
    m.Patient.objects.all().delete()


def _same_both_ways(
    paths: list[Path], again: list[Path], batch_lines: int
) -> dict[str, list[tuple[str, ...]]]:
    """Import `paths`, then `again` (a re-import adds no version), both ways; compare."""
    for one_by_one in (True, False):
        if not one_by_one:
            reference = snapshot()
            wipe()
        _import(paths, one_by_one=one_by_one, batch_lines=batch_lines)
        _import(again, one_by_one=one_by_one, batch_lines=batch_lines)
    fast = snapshot()
    for table, rows in reference.items():
        assert fast[table] == rows, table
    return fast


def test_batched_path_stores_what_the_one_by_one_path_stores(tmp_path: Path) -> None:
    mixed = write_ndjson(tmp_path / "Mixed.ndjson", tricky_lines())
    shot = _same_both_ways([FR_CORE, SAMPLE, mixed], [FR_CORE, mixed], 2000)
    assert len(shot["version"]) > 3000 and len(shot["Result"]) > 5
    states = [row[2] for row in shot["inbound"]]
    # Five refusals, then four on the second import: the early result's patient is there.
    assert states.count(json.dumps("quarantined")) == 5 + 4


def test_small_chunks_split_anywhere_store_the_same_rows(tmp_path: Path) -> None:
    mixed = write_ndjson(tmp_path / "Mixed.ndjson", tricky_lines())
    shot = _same_both_ways([FR_CORE, mixed], [FR_CORE, mixed], 4)
    assert len(shot["Result"]) > 5


def test_tricky_lines_get_the_one_by_one_outcomes(tmp_path: Path) -> None:
    mixed = write_ndjson(tmp_path / "Mixed.ndjson", tricky_lines())
    _import([mixed], one_by_one=False, batch_lines=2000)
    reasons = dict(m.Inbound.objects.values_list("error_location", "reason"))
    assert reasons["line 1"] == "subject Patient not received yet"
    assert reasons["line 8"] == "patient not in the mirror"
    assert reasons["line 9"] == "partOf Encounter not received yet (import venues first)"
    assert reasons["line 17"] == "not a JSON object"
    assert reasons["line 18"] == "Observation has no code"
    twice = m.Patient.objects.get(ipp="IPP-T")
    assert (twice.birth_family, twice.version) == ("SECOND", 2)
    assert m.Result.objects.get(rkey="result|fhir-t1|2823-3|").version == 2
    stay = m.Stay.objects.get(nda="NDA-S")
    assert sorted(stay.movements.values_list("movement_id", flat=True)) == ["MOVE-1", "MOVE-2"]
    assert m.Version.objects.filter(rtype="Procedure", rkey="proc-x").count() == 3
    tokens = m.PatientToken.objects.filter(patient=twice).values_list("token", flat=True)
    assert sorted(tokens) == ["alex", "second"]


_REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_result BEFORE INSERT ON mirror_result WHEN NEW.code = 'REFUSED' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_result() RETURNS trigger AS $$ BEGIN "
        "IF NEW.code = 'REFUSED' THEN RAISE EXCEPTION 'refused by the database'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_result BEFORE INSERT ON mirror_result "
        "FOR EACH ROW EXECUTE FUNCTION refuse_result()",
    ],
}


def test_a_line_the_database_refuses_is_quarantined_alone_and_the_chunk_is_kept(
    tmp_path: Path,
) -> None:
    with connection.cursor() as cursor:
        for statement in _REFUSE[connection.vendor]:
            cursor.execute(statement)
    refused = _observation("bad", "Patient/p1", 4.0)
    refused["code"]["coding"][0]["code"] = "REFUSED"
    lines = [
        _patient("p1", "IPP-1", "UN"),
        _observation("ok1", "Patient/p1", 4.1),
        refused,
        _observation("ok2", "Patient/p1", 4.2),
    ]
    path = write_ndjson(tmp_path / "Observation.ndjson", lines)
    _import([path], one_by_one=False, batch_lines=2000)
    states = dict(m.Inbound.objects.values_list("error_location", "state"))
    assert states == {"": "applied", "line 3": "quarantined"}  # nothing lost, one refused
    bad = m.Inbound.objects.get(error_location="line 3")
    assert bad.reason.startswith("internal error while applying: ")
    assert m.Inbound.objects.filter(state="applied").count() == 3
    assert sorted(m.Result.objects.values_list("rkey", flat=True)) == [
        "result|fhir-ok1|2823-3|",
        "result|fhir-ok2|2823-3|",
    ]
