"""The synthetic hospital's FHIR export imports without rejections and keys like HL7."""

from __future__ import annotations

from pathlib import Path

import pytest

from autarcie.demo.synth import generate
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.models import Patient, Stay

pytestmark = pytest.mark.django_db


def test_synthetic_hospital_export_is_projected_without_rejections(tmp_path: Path) -> None:
    generate(tmp_path / "out", beds=30, days=1, seed=7)
    summary = import_paths([tmp_path / "out" / "fhir"])
    assert summary.total("rejected") == 0, summary.lines()
    assert Patient.objects.exclude(authority__regex=r"^[0-9AB]{9}$").count() == 0
    assert Stay.objects.filter(status="admitted").exclude(unit_code="").exists()
