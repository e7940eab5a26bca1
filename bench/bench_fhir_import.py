"""FHIR NDJSON import into a real instance: resources/s stored and projected, peak memory.

A quick generator writes N resources (10 % Patients, 10 % venue Encounters, 80 % Observations)
as a Bulk-export-shaped folder; `fhir_import.import_paths` imports it in a fresh process per
engine: SQLCipher (`synchronous=FULL`), then PostgreSQL (a throw-away cluster with fsync on,
when its server binaries are installed). Baseline, same lines, same run, same engine: plain
`executemany` of the raw JSON lines into one table, one commit per batch of 2,000 (`sqlite3`,
unencrypted, WAL and FULL; `psycopg` on the same PostgreSQL). Each leg prints its process's
peak RSS (the target: under 500 MB for a million resources).

On SQLCipher a floor is printed beside the baseline: `json.loads` of each line and the raw line
kept in an encrypted table, nothing else. Its ratio to the baseline bounds what any import that
reads its lines and encrypts them at rest can reach, before versions, projections or indexes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pgcluster import server_binaries, throwaway_cluster

FINESS = "999000017"
IPP_SYSTEM = f"urn:oid:1.2.250.1.71.4.2.7.{FINESS}"
NDA_SYSTEM = f"urn:oid:1.2.250.1.71.4.2.2.{FINESS}"
LOINC = (("2823-3", "Potassium", "mmol/L"), ("2951-2", "Sodium", "mmol/L"), ("718-7", "Hb", "g/dL"))
BATCH = 2000


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
    """Write the three NDJSON files, line by line; return the number of resources."""
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
                if len(batch) == BATCH:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _keep_lines(conn: Any, folder: Path, *, parse: bool) -> float:
    """Seconds to write the raw lines into one table of `conn`, commit per batch."""
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, line BLOB)")
    started = time.perf_counter()
    for batch in _lines(folder):
        if parse:
            for (line,) in batch:
                json.loads(line)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO raw (line) VALUES (?)", batch)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def sqlite_baseline(folder: Path, db: Path) -> float:
    """Seconds for plain sqlite3 executemany of the raw lines, commit per batch."""
    return _keep_lines(sqlite3.connect(db, isolation_level=None), folder, parse=False)


def sqlcipher_floor(folder: Path, db: Path) -> float:
    """Seconds to parse each line (`json.loads`) and keep it in an encrypted table, nothing else.

    The least an import must do that reads what it stores and encrypts it at rest: no version,
    no projection, no index. Compared with the baseline it bounds the ratio any import reaches.
    """
    import sqlcipher3

    conn = sqlcipher3.connect(str(db), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
    return _keep_lines(conn, folder, parse=True)


def postgres_baseline(folder: Path) -> float:
    """Seconds for plain psycopg executemany of the raw lines, commit per batch."""
    import psycopg

    with psycopg.connect(
        host=os.environ["POSTGRES_HOST"],
        port=int(os.environ["POSTGRES_PORT"]),
        user=os.environ["POSTGRES_USER"],
        dbname=os.environ["POSTGRES_DB"],
    ) as conn:
        conn.execute("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, line bytea)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for batch in _lines(folder):
                cursor.executemany("INSERT INTO bench_raw (line) VALUES (%s)", batch)
                conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw")
        conn.commit()
    return seconds


def _instance(root: Path) -> None:
    os.environ["AUTARCIE_MODE"] = "demo"
    os.environ["AUTARCIE_LOG_LEVEL"] = "WARNING"
    from autarcie.core.commands import initialise

    initialise(root / "var", key_file=root / "var.key", mode="demo")


def _progress(count: int, seconds: float) -> None:
    if count % 100_000 < BATCH:
        print(f"  {count:,} resources in {seconds:.0f} s", file=sys.stderr, flush=True)


def leg(engine: str, folder: Path) -> dict[str, Any]:
    """One engine, in this (fresh) process: its baseline, then the import."""
    with tempfile.TemporaryDirectory(prefix="bench-fhir-leg-") as tmp:
        root = Path(tmp)
        floor_seconds = None
        if engine == "sqlite":
            os.environ.pop("DB", None)
            # Best of two each, alternated: the first writes of a process run cold.
            bases, floors = [], []
            for _ in range(2):
                bases.append(sqlite_baseline(folder, root / f"base-{secrets.token_hex(4)}.db"))
                floors.append(sqlcipher_floor(folder, root / f"floor-{secrets.token_hex(4)}.db"))
            base_seconds, floor_seconds = min(bases), min(floors)
        else:
            base_seconds = postgres_baseline(folder)
        _instance(root)
        from autarcie.mirror.fhir_import import import_paths

        started = time.perf_counter()
        summary = import_paths([folder], progress=_progress)
        seconds = time.perf_counter() - started
    return {
        "engine": engine,
        "read": summary.total("read"),
        "stored": summary.total("stored"),
        "projected": summary.total("projected"),
        "rejected": summary.total("rejected"),
        "seconds": seconds,
        "baseline_seconds": base_seconds,
        "floor_seconds": floor_seconds,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_leg(engine: str, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--leg", engine, "--folder", str(folder)]
    done = subprocess.run(command, env={**os.environ, **env}, stdout=subprocess.PIPE, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return figures


def _report(figures: dict[str, Any], count: int) -> None:
    name = {"sqlite": "SQLCipher, FULL", "postgres": "PostgreSQL, fsync on"}[figures["engine"]]
    base = {"sqlite": "sqlite3 executemany", "postgres": "psycopg executemany"}[figures["engine"]]
    rate = figures["stored"] / figures["seconds"]
    base_rate = count / figures["baseline_seconds"]
    print(f"[{name}]")
    print(f"  baseline  {base} of the lines: {base_rate:>10,.0f} lines/s")
    if figures["floor_seconds"]:
        floor_rate = count / figures["floor_seconds"]
        print(
            f"  floor     json.loads + SQLCipher executemany of the lines: {floor_rate:>10,.0f} "
            f"lines/s (ratio {floor_rate / base_rate:.3f}: no import that parses and encrypts "
            "can do better)"
        )
    print(
        f"  fhir import: {rate:>10,.0f} resources/s stored, "
        f"{figures['projected'] / figures['seconds']:,.0f}/s projected, "
        f"rejected {figures['rejected']} ({figures['seconds']:.1f} s)"
    )
    print(f"  ratio import/baseline: {rate / base_rate:.3f}")
    print(f"  peak RSS of the import process: {figures['max_rss_mb']:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--small", action="store_true", help="20,000 resources (make bench)")
    parser.add_argument(
        "--engine", choices=("both", "sqlite", "postgres"), default="both", help="default: both"
    )
    parser.add_argument("--leg", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.leg:
        print(json.dumps(leg(args.leg, args.folder)))
        return 0
    total = 20_000 if args.small else args.resources
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-fhir-") as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        count = generate(folder, total)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"generated {count:,} resources ({size / 1e6:.0f} MB of NDJSON); load {load:.1f}")
        if args.engine != "postgres":
            _report(_run_leg("sqlite", folder, {}), count)
        if args.engine == "sqlite" or server_binaries() is None:
            print("[PostgreSQL] not measured (--engine sqlite, or no server binaries)")
            return 0
        with throwaway_cluster() as cluster:
            cluster.sql("CREATE DATABASE bench_fhir")
            _report(_run_leg("postgres", folder, cluster.environment("bench_fhir")), count)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
