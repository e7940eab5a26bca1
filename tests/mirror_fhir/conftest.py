"""Shared paths and helpers for the FHIR feed tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
FR_CORE = FIXTURES / "fr-core"
SAMPLE = FIXTURES / "sample-bulk-fhir-datasets-10-patients"


def resources(path: Path) -> list[dict[str, Any]]:
    """Every resource of one NDJSON file (plain or gzip)."""
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def write_ndjson(path: Path, items: list[Any]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in items), encoding="utf-8")
    return path
