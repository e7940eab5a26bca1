"""Viewer at hospital scale: patient search on N patients, and patient summaries under load.

1. A throw-away instance gets N patients by bulk SQL into the mirror projections and
   `PatientToken` (1,000,000 by default; `--small`: 20,000), a few hundred of them in units with
   results, prescriptions, allergies and notes.
2. Search: exact, prefix and one-typo name queries through `chart.search.search` in this
   process, p50/p99, against a baseline `LIKE '%…%'` scan of the same table in the same run.
3. Summaries: `autarcie serve` in a subprocess; a second process drives 100 logged-in clients
   (threads, `http.client`, keep-alive), each opening a summary once a second, then as fast as
   they can (saturation throughput).

Targets (issue): search exact/prefix p99 < 50 ms, typo fallback p99 < 250 ms at 1M patients;
summary p99 < 150 ms with 100 clients. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from httpload import Browser, instance_env, make_instance, serve

_SYLLABLES = [c + v for c in "bcdfglmnprstv" for v in ("a", "e", "i", "o", "ou", "au", "an")]
_GIVEN = [
    "marie",
    "jean",
    "pierre",
    "michel",
    "anne",
    "philippe",
    "nathalie",
    "isabelle",
    "catherine",
    "francois",
    "sylvie",
    "christine",
    "louis",
    "paul",
    "jacques",
    "monique",
    "nicolas",
    "sophie",
    "julien",
    "camille",
    "lea",
    "emma",
    "lucas",
    "hugo",
    "chloe",
    "manon",
    "thomas",
    "sarah",
    "alain",
    "daniel",
    "bernard",
    "martine",
    "helene",
    "claire",
]
# The load process logs in with the password its parent chose.
PASSWORD = os.environ.get("BENCH_VIEWER_PASSWORD") or "bench-" + secrets.token_urlsafe(12)
NURSE = "ide.bench"


def _percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def open_instance(data: Path, key: Path) -> None:
    os.environ.update(instance_env(key), AUTARCIE_DATA_DIR=str(data))
    from autarcie.cli import setup_django

    setup_django(data)


# -- population ------------------------------------------------------------------------------


def _families(count: int, rng: random.Random) -> list[str]:
    names: dict[str, None] = {}
    while len(names) < count:
        names.setdefault("".join(rng.choices(_SYLLABLES, k=rng.choice((2, 3, 3, 4)))), None)
    return list(names)


def _cols(names: str) -> list[str]:
    return names.split()


def _chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> int:
    from django.db import connection

    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    count = 0
    with connection.cursor() as cursor:
        for batch in _chunks(rows, 20_000):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


_PATIENT_COLUMNS = [
    "id",
    "rkey",
    "authority",
    "ipp",
    "birth_family",
    "used_family",
    "given",
    "birth_date",
    "sex",
    "ins",
    "ins_oid",
    "ins_trusted",
    "statuses",
    "hidden",
    "deceased",
    "birthplace_code",
    "address",
    "search_text",
    "digest",
    "version",
    "received_at",
]

_STAY_COLUMNS = _cols(
    "rkey patient_id nda patient_class status admitted_at unit_code room bed "
    "medical_unit attending source digest version received_at"
)
_RESULT_COLUMNS = _cols(
    "panel_code panel_label code label value value_num unit reference_range flag status observed_at"
)
_PRESCRIPTION_COLUMNS = _cols(
    "stay_nda drug_code drug_label dose dose_unit route frequency times start "
    "prescriber status active"
)
_DOCUMENT_COLUMNS = _cols("type_code type_label title text authored_at status confidential")


def populate(count: int, in_units: int, seed: int) -> tuple[list[str], list[int]]:
    """N patients and their name tokens; the first ``in_units`` are in care with a chart."""
    from django.db import connection, transaction

    from autarcie.mirror.normalise import search_text

    rng = random.Random(seed)
    families = _families(max(50, count // 8), rng)
    now = dt.datetime.now(dt.UTC)
    stamp = connection.ops.adapt_datetimefield_value(now)
    people: list[tuple[int, str, str, str]] = []
    for pid in range(1, count + 1):
        # Zipf-like: a few very common names, a long tail of rare ones, as in a real census.
        family = families[min(len(families) - 1, int(rng.paretovariate(0.7)) - 1)]
        if rng.random() < 0.6:
            family = families[rng.randrange(len(families))]
        people.append((pid, family, rng.choice(_GIVEN), rng.choice(_GIVEN)))

    def patient_rows() -> Iterator[tuple[Any, ...]]:
        for pid, family, given, _second in people:
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30_000))
            text = search_text(family, "", given)
            yield (
                pid, f"BENCH|{pid:08d}", "BENCH", f"{pid:08d}", family.upper(), "",
                given.upper(), connection.ops.adapt_datefield_value(birth), rng.choice("FM"),
                "", "", False, "PROV", False, False, "", "", text, "", 1, stamp,
            )  # fmt: skip

    def token_rows() -> Iterator[tuple[Any, ...]]:
        for pid, family, given, _second in people:
            for token in sorted({family, given}):
                yield (pid, token)

    started = time.perf_counter()
    with transaction.atomic():
        _insert("mirror_patient", _PATIENT_COLUMNS, patient_rows())
        tokens = _insert("mirror_patienttoken", ("patient_id", "token"), token_rows())
        charted = list(range(1, min(in_units, count) + 1))
        _chart(charted, now, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE mirror_patient")
    elapsed = time.perf_counter() - started
    print(f"  {count} patients, {tokens} name tokens, {len(charted)} in units: {elapsed:.1f} s")
    return [p[1] for p in people], charted


def _chart(ids: list[int], now: dt.datetime, rng: random.Random) -> None:
    """Stays in four units, and what a summary shows: results, prescriptions, allergies, notes."""
    from django.db import connection

    from autarcie.core.actions import create_unit
    from autarcie.core.roles import UnitKind

    def at(hours: float) -> Any:
        return connection.ops.adapt_datetimefield_value(now - dt.timedelta(hours=hours))

    units = ["2010", "2020", "2030", "2040"]
    for code in units:
        create_unit(actor="system:bench", code=code, label=f"Unité {code}", kind=UnitKind.MEDICINE)
    common = ("", 1, at(0))  # digest, version, received_at
    _insert(
        "mirror_stay",
        _STAY_COLUMNS,
        (
            (f"BENCH|N{p}", p, f"N{p}", "I", "admitted", at(48), units[p % 4], str(p % 40),
             "1", units[p % 4], "Dr Bench", "movements", *common)
            for p in ids
        ),
    )  # fmt: skip
    item = ["rkey", "patient_id", "digest", "version", "received_at", "data"]
    _insert(
        "mirror_result",
        [*item, *_RESULT_COLUMNS],
        (
            (f"BENCH|R{p}|{k}", p, *common, "{}", "IONO", "Ionogramme", f"{2800 + k}-{k % 10}",
             f"Analyte {k}", f"{4 + k / 10:.1f}", 4 + k / 10, "mmol/L", "3.5-5.0",
             "H" if k == 3 else "", "F", at(rng.uniform(1, 60)))
            for p in ids for k in range(15)
        ),
    )  # fmt: skip
    _insert(
        "mirror_prescription",
        [*item, *_PRESCRIPTION_COLUMNS],
        (
            (f"BENCH|P{p}|{k}", p, *common, "{}", f"N{p}", f"34009{k}", f"Médicament {k}",
             "1", "cp", "PO", "matin midi soir", "08:00 12:00 20:00", at(30), "Dr Bench",
             "active", True)
            for p in ids for k in range(5)
        ),
    )  # fmt: skip
    _insert(
        "mirror_allergy",
        [*item, "code", "label", "category", "severity", "reaction", "active"],
        ((f"BENCH|A{p}", p, *common, "{}", "PENI", "Pénicilline", "DA", "SV", "", True)
         for p in ids),
    )  # fmt: skip
    note = "Évolution favorable. " * 50
    _insert(
        "mirror_document",
        [*item, *_DOCUMENT_COLUMNS],
        (
            (f"BENCH|D{p}|{k}", p, *common, "{}", "11506-3", "Note", f"Note {k}", note,
             at(k + 1), "F", False)
            for p in ids for k in range(2)
        ),
    )  # fmt: skip


# -- search ----------------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    swap = "z" if word[at] != "z" else "y"
    return word[:at] + swap + word[at + 1 :]


def _timed(run: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        times.append(time.perf_counter() - started)
    return times


def bench_search(families: list[str], count: int, seed: int) -> None:
    from django.db import connection

    from autarcie.chart.search import search
    from autarcie.core.actions import create_user
    from autarcie.core.roles import Role

    user = create_user(
        actor="system:bench", username=NURSE, password=PASSWORD, roles=[Role.NURSE],
        all_units=True,
    )  # fmt: skip
    rng = random.Random(seed)
    picked = [rng.choice(families) for _ in range(count)]
    exact = [f"{f} {rng.choice(_GIVEN)}" for f in picked]
    prefix = [f[:4] for f in picked]
    typos = [_typo(f, rng) for f in picked if len(f) >= 5]
    fallback = [q for q in typos if search(user, q).typo_tolerant]

    def scan(query: str) -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM mirror_patient WHERE search_text LIKE %s "
                "ORDER BY birth_family, given LIMIT 200",
                [f"%{query}%"],
            )
            return cursor.fetchall()

    scans = _timed(scan, [q.split()[0] for q in exact[: max(5, count // 10)]])
    base50, base99 = _percentiles(scans)
    print(f"  baseline LIKE '%…%' scan: p50 {base50:7.1f} ms  p99 {base99:7.1f} ms")
    for label, queries, target in (
        ("exact ", exact, 50),
        ("prefix", prefix, 50),
        ("typo  ", fallback, 250),
    ):
        if not queries:
            print(f"  {label}: no query took this path")
            continue
        p50, p99 = _percentiles(_timed(lambda q: search(user, q), queries))
        verdict = "meets" if p99 < target else "MISSES"
        print(
            f"  {label} ({len(queries):4d} queries): p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"({verdict} p99 < {target} ms; p50 {base50 / max(p50, 1e-3):.0f}x faster than scan)"
        )


# -- summaries under load --------------------------------------------------------------------


def start_server(data: Path, key: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    return serve(data, instance_env(key), workers)


def _client_loop(
    session: Browser,
    ids: list[int],
    until: float,
    period: float,
    out: list[float],
    errors: list[int],
) -> None:
    rng = random.Random()
    next_at = time.monotonic() + (rng.uniform(0, period) if period else 0)
    while True:
        if period:
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the load (one summary a second), not a test wait
            next_at += period
        if time.monotonic() >= until:
            return
        started = time.perf_counter()
        status, _text, _location = session.request("GET", f"/patients/{rng.choice(ids)}/")
        out.append(time.perf_counter() - started)
        if status != 200:
            errors.append(status)


def drive(
    port: int, ids: list[int], clients: int, paced: float, saturated: float
) -> dict[str, Any]:
    """Runs in the second process: log the clients in, then the paced and saturated phases."""
    sessions = [Browser(port, timeout=60) for _ in range(clients)]
    # Ten logins shared by the clients: each login costs an Argon2 hash, not what we measure.
    for index, session in enumerate(sessions):
        if index < 10:
            session.log_in(NURSE, PASSWORD)
        else:
            session.cookies = dict(sessions[index % 10].cookies)
    report: dict[str, Any] = {"alone": []}
    for _ in range(50):  # baseline: one client alone, one request after the other
        started = time.perf_counter()
        sessions[0].request("GET", f"/patients/{random.choice(ids)}/")
        report["alone"].append(time.perf_counter() - started)
    for phase, seconds, period in (("paced", paced, 1.0), ("saturated", saturated, 0.0)):
        latencies: list[float] = []
        errors: list[int] = []
        until = time.monotonic() + seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=_client_loop, args=(s, ids, until, period, latencies, errors))
            for s in sessions
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        report[phase] = {"latencies": latencies, "errors": len(errors), "elapsed": elapsed}
    return report


def bench_summaries(
    data: Path, key: Path, ids: list[int], clients: int, paced: float, saturated: float
) -> None:
    from django.db import connections

    connections.close_all()
    server, port = start_server(data, key, workers=2)
    try:
        command = [sys.executable, __file__, "--drive", str(port), "--clients", str(clients)]
        command += ["--paced", str(paced), "--saturated", str(saturated)]
        command += ["--ids", ",".join(map(str, ids))]
        env = {**os.environ, "BENCH_VIEWER_PASSWORD": PASSWORD}
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            raise SystemExit(f"load driver failed: {done.stderr.strip()[-2000:]}")
        report = json.loads(done.stdout)
    finally:
        server.terminate()
        server.wait(timeout=60)
    paced_run, saturated_run = report["paced"], report["saturated"]
    a50, a99 = _percentiles(report["alone"])
    print(f"  baseline, one client alone: p50 {a50:.1f} ms  p99 {a99:.1f} ms")
    p50, p99 = _percentiles(paced_run["latencies"])
    rate = len(paced_run["latencies"]) / paced_run["elapsed"]
    verdict = "meets" if p99 < 150 else "MISSES"
    print(
        f"  {clients} clients, one summary/s each for {paced:.0f} s: {rate:.0f} req/s, "
        f"p50 {p50:.1f} ms  p99 {p99:.1f} ms ({verdict} p99 < 150 ms), "
        f"{paced_run['errors']} errors"
    )
    s50, s99 = _percentiles(saturated_run["latencies"])
    throughput = len(saturated_run["latencies"]) / saturated_run["elapsed"]
    print(
        f"  saturation ({clients} clients, no pause, {saturated:.0f} s): {throughput:.0f} "
        f"summaries/s, p50 {s50:.1f} ms  p99 {s99:.1f} ms, {saturated_run['errors']} errors"
    )
    print(f"  paced load is {rate / max(throughput, 1e-9):.0%} of the saturation throughput")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="20,000 patients, short load")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--in-units", type=int, default=800, help="patients in care")
    parser.add_argument("--queries", type=int, default=200, help="search queries of each kind")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--paced", type=float, default=20.0, help="seconds of paced load")
    parser.add_argument("--saturated", type=float, default=10.0, help="seconds at saturation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)  # the load process
    parser.add_argument("--ids", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        ids = [int(i) for i in args.ids.split(",")]
        print(json.dumps(drive(args.drive, ids, args.clients, args.paced, args.saturated)))
        return 0
    if args.small:
        args.patients, args.queries, args.paced, args.saturated = 20_000, 100, 5.0, 4.0
    root = Path(tempfile.mkdtemp(prefix="autarcie-bench-viewer-"))
    try:
        # PostgreSQL side by side is not measured yet: the instance is always SQLCipher.
        print(f"viewer bench: {args.patients} patients, SQLCipher, {os.cpu_count()} cores")
        data, key = make_instance(root)
        open_instance(data, key)
        families, charted = populate(args.patients, args.in_units, args.seed)
        print("search (chart.search.search, in process):")
        bench_search(families, args.queries, args.seed)
        print("patient summaries (autarcie serve, 2 workers; load from a second process):")
        bench_summaries(data, key, charted, args.clients, args.paced, args.saturated)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
