"""FHIR resources keep the system of their codes and of their units through the import path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from autarcie.formats.codes import ATC, ICD10, LOINC, UCUM
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.models import Condition, Prescription, Result
from tests.mirror_fhir.conftest import FR_CORE, resources, write_ndjson

pytestmark = pytest.mark.django_db


def test_condition_medication_and_observation_keep_their_code_systems() -> None:
    summary = import_paths([FR_CORE])
    assert summary.total("rejected") == 0, summary.lines()
    assert (Condition.objects.get().code, Condition.objects.get().system) == ("I50.9", ICD10)
    rx = Prescription.objects.get()
    assert (rx.drug_code, rx.drug_system) == ("C03CA01", ATC)
    potassium = Result.objects.get(code="2823-3")
    assert potassium.code_system == LOINC
    # A quantity without a system is a unit's text, never claimed as UCUM.
    assert (potassium.unit, potassium.unit_system) == ("mmol/L", "")


def test_ucum_quantity_keeps_its_code_not_its_display(tmp_path: Path) -> None:
    import_paths([FR_CORE])
    observation = copy.deepcopy(resources(FR_CORE / "Observation.ndjson")[0])
    observation["id"] = "obs-ucum"
    observation["identifier"] = [{"value": "UCUM-1"}]
    observation["valueQuantity"] = {
        "value": 4.1,
        "unit": "millimoles par litre",
        "system": UCUM,
        "code": "mmol/L",
    }
    import_paths(
        [FR_CORE / "Patient.ndjson", write_ndjson(tmp_path / "Observation.ndjson", [observation])]
    )
    found = Result.objects.get(rkey__contains="obs-ucum")
    assert (found.unit, found.unit_system) == ("mmol/L", UCUM)
