"""FHIR NDJSON import into a real (SQLCipher) instance: resources/s stored and projected.

A quick generator writes N resources (10 % Patients, 10 % venue Encounters, 80 % Observations)
as a Bulk-export-shaped folder; `fhir_import.import_paths` imports it in this process.
Baseline, same lines, same run: plain `sqlite3` `executemany` of the raw JSON lines into one
table (WAL, synchronous=FULL, one commit per batch of 2,000, unencrypted). The peak RSS of
the whole run is printed too (the target: under 500 MB for a million resources).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

FINESS = "999000017"
IPP_SYSTEM = f"urn:oid:1.2.250.1.71.4.2.7.{FINESS}"
NDA_SYSTEM = f"urn:oid:1.2.250.1.71.4.2.2.{FINESS}"
LOINC = (("2823-3", "Potassium", "mmol/L"), ("2951-2", "Sodium", "mmol/L"), ("718-7", "Hb", "g/dL"))


def _patient(n: int) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "id": f"p{n}",
        "identifier": [
            {"type": {"coding": [{"code": "PI"}]}, "system": IPP_SYSTEM, "value": f"IPP{n:08d}"}
        ],
        "name": [{"use": "official", "family": f"FAMILLE{n % 997}", "given": ["PRENOM"]}],
        "gender": "female" if n % 2 else "male",
        "birthDate": f"19{40 + n % 60:02d}-0{1 + n % 9}-1{n % 10}",
    }


def _encounter(n: int) -> dict[str, object]:
    return {
        "resourceType": "Encounter",
        "id": f"e{n}",
        "status": "in-progress",
        "identifier": [
            {"type": {"coding": [{"code": "VN"}]}, "system": NDA_SYSTEM, "value": f"NDA{n:08d}"}
        ],
        "class": {"code": "IMP"},
        "subject": {"reference": f"Patient/p{n}"},
        "period": {"start": "2026-11-20T09:00:00Z"},
    }


def _observation(n: int, patients: int) -> dict[str, object]:
    code, label, unit = LOINC[n % len(LOINC)]
    return {
        "resourceType": "Observation",
        "id": f"o{n}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": label}]},
        "subject": {"reference": f"Patient/p{n % patients}"},
        "effectiveDateTime": f"2026-11-2{n % 3}T0{n % 10}:00:00Z",
        "valueQuantity": {"value": 3.5 + (n % 20) / 10, "unit": unit},
    }


def generate(folder: Path, total: int) -> int:
    """Write the three NDJSON files; return the number of resources."""
    patients = max(1, total // 10)
    observations = total - 2 * patients
    with (folder / "Patient.ndjson").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(_patient(n)) + "\n" for n in range(patients))
    with (folder / "Encounter.ndjson").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(_encounter(n)) + "\n" for n in range(patients))
    with (folder / "Observation.ndjson").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(_observation(n, patients)) + "\n" for n in range(observations))
    return 2 * patients + observations


def _lines(folder: Path) -> Iterator[list[tuple[bytes]]]:
    batch: list[tuple[bytes]] = []
    for name in ("Patient.ndjson", "Encounter.ndjson", "Observation.ndjson"):
        with (folder / name).open("rb") as handle:
            for line in handle:
                batch.append((line.rstrip(b"\n"),))
                if len(batch) == 2000:
                    yield batch
                    batch = []
    if batch:
        yield batch


def baseline(folder: Path, db: Path) -> float:
    """Seconds for plain sqlite3 executemany of the raw lines, commit per 2,000."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, line BLOB)")
    started = time.perf_counter()
    for batch in _lines(folder):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO raw (line) VALUES (?)", batch)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def _instance(root: Path) -> None:
    data_dir = root / "var"
    key = root / "var.key"
    os.environ["AUTARCIE_MODE"] = "demo"
    os.environ["AUTARCIE_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DB", None)
    from autarcie.core.commands import initialise

    initialise(data_dir, key_file=key, mode="demo")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--small", action="store_true", help="20,000 resources (make bench)")
    args = parser.parse_args()
    total = 20_000 if args.small else args.resources
    with tempfile.TemporaryDirectory(prefix="bench-fhir-") as tmp:
        root = Path(tmp)
        folder = root / "export"
        folder.mkdir()
        count = generate(folder, total)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"generated {count:,} resources ({size / 1e6:.0f} MB of NDJSON)")
        base_seconds = baseline(folder, root / f"baseline-{secrets.token_hex(4)}.db")
        _instance(root)
        from autarcie.mirror.fhir_import import import_paths

        started = time.perf_counter()
        summary = import_paths([folder])
        seconds = time.perf_counter() - started
    base_rate = count / base_seconds
    rate = count / seconds
    projected = summary.total("projected") / seconds
    print(f"baseline  sqlite3 executemany of the lines: {base_rate:>10,.0f} lines/s")
    print(
        f"fhir import (SQLCipher, FULL): {rate:>10,.0f} resources/s stored, "
        f"{projected:,.0f}/s projected, rejected {summary.total('rejected')}"
    )
    print(f"ratio import/baseline: {rate / base_rate:.3f}")
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run: {max_rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
