"""Viewer at hospital scale: patient search on N patients, and patient summaries under load.

1. A throw-away instance gets N patients by bulk SQL into the mirror projections and
   `PatientToken` (1,000,000 by default; `--small`: 20,000), a few hundred of them in units with
   results, prescriptions, allergies and notes.
2. Search, on SQLCipher and on PostgreSQL side by side (a throw-away cluster with fsync on,
   populated the same way by a child process; `--engines` picks them): exact (a patient's
   family and first names), prefix (four letters of a family name), typo (one letter changed:
   the typo-tolerant fallback) and "no match" (a family name with a first name nobody of that
   family has: the exact look-up finds nothing and the fallback runs) name queries through
   `chart.search.search` in process, p50/p99 of the wall-clock time and p99 of this
   process's CPU time, against a baseline `LIKE '%…%'` scan of the same table in the same run
   on the same engine.
3. Summaries, on each engine measured: `autarcie serve` in a subprocess; a second process
   drives 100 clients logged in as a nurse of the four units where the charted patients are
   (threads, `http.client`, keep-alive), each opening a summary once a second, then as fast
   as they can (saturation throughput).

Targets (issue): search exact/prefix p99 < 50 ms, typo fallback p99 < 250 ms at 1M patients;
summary p99 < 150 ms with 100 clients. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
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

from httpload import Browser, init_instance, instance_env, make_instance, serve
from pgcluster import server_binaries, throwaway_cluster

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
NURSE = "ide.bench"  # searches: every unit in scope
WARD_NURSE = "ide.services"  # summaries: a nurse of the four units where the patients are
UNITS = ("2010", "2020", "2030", "2040")


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


def populate(count: int, in_units: int, seed: int) -> tuple[list[tuple[str, str]], list[int]]:
    """N patients and their name tokens; the first ``in_units`` are in care with a chart.
    Returns each patient's (family, given) names and the ids of those in care."""
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
        # Statistics after the bulk load; on PostgreSQL also the visibility map that
        # index-only scans need, which autovacuum would set within minutes of such a load.
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"  {count} patients, {tokens} name tokens, {len(charted)} in units: {elapsed:.1f} s")
    return [(p[1], p[2]) for p in people], charted


def _chart(ids: list[int], now: dt.datetime, rng: random.Random) -> None:
    """Stays in four units, and what a summary shows: results, prescriptions, allergies, notes."""
    from django.db import connection

    from autarcie.core.actions import create_unit
    from autarcie.core.roles import UnitKind

    def at(hours: float) -> Any:
        return connection.ops.adapt_datetimefield_value(now - dt.timedelta(hours=hours))

    units = list(UNITS)
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


def _timed(run: Callable[[str], object], queries: Sequence[str]) -> dict[str, list[float]]:
    """Wall-clock and CPU seconds (this process) of each query."""
    times: dict[str, list[float]] = {"wall": [], "cpu": []}
    for query in queries:
        started, cpu = time.perf_counter(), time.process_time()
        run(query)
        times["cpu"].append(time.process_time() - cpu)
        times["wall"].append(time.perf_counter() - started)
    return times


_KINDS = (  # label, target p99 in ms (None: no target)
    ("exact", 50),
    ("prefix", 50),
    ("typo", 250),
    ("no match", None),
)


def search_queries(people: list[tuple[str, str]], count: int, seed: int) -> dict[str, list[str]]:
    """The queries of each kind, from the population's names.

    exact: a patient's family and first names; prefix: four letters of a family name; typo: a
    family name with one letter changed that no name matches exactly (the fallback); no match:
    a family name with a first name of the list that nobody of that family has, so the exact
    look-up finds nothing and the typo fallback runs (its answer may be empty)."""
    from autarcie.chart.search import search

    user = _search_user()
    rng = random.Random(seed)
    picked = [rng.choice(people) for _ in range(count)]
    typos = [_typo(family, rng) for family, _given in picked if len(family) >= 5]
    given_by_family: dict[str, set[str]] = {}
    for family, given in people:
        given_by_family.setdefault(family, set()).add(given)
    unmatched = [
        f"{family} {given}"
        for family, _given in picked
        for given in [rng.choice(_GIVEN)]
        if given not in given_by_family[family]
    ]
    return {
        "exact": [f"{family} {given}" for family, given in picked],
        "prefix": [family[:4] for family, _given in picked],
        "typo": [q for q in typos if search(user, q).typo_tolerant],
        "no match": unmatched,
    }


def _search_user() -> Any:
    from autarcie.core.actions import create_user
    from autarcie.core.models import User
    from autarcie.core.roles import Role

    found = User.objects.filter(username=NURSE).first()
    if found is not None:
        return found
    return create_user(
        actor="system:bench", username=NURSE, password=PASSWORD, roles=[Role.NURSE],
        all_units=True,
    )  # fmt: skip


def _ward_nurse() -> Any:
    """A nurse of the charted units: opening a summary checks her units against the stays."""
    from autarcie.core.actions import create_user
    from autarcie.core.models import Unit, User
    from autarcie.core.roles import Role

    found = User.objects.filter(username=WARD_NURSE).first()
    if found is not None:
        return found
    units = Unit.objects.filter(code__in=UNITS)
    return create_user(
        actor="system:bench", username=WARD_NURSE, password=PASSWORD, roles=[Role.NURSE],
        units=units,
    )  # fmt: skip


def bench_search(people: list[tuple[str, str]], count: int, seed: int) -> dict[str, Any]:
    """Figures of each kind of query, and of the baseline scan, on this process's database."""
    from django.db import connection

    from autarcie.chart.search import search

    user = _search_user()
    queries = search_queries(people, count, seed)

    def scan(query: str) -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM mirror_patient WHERE search_text LIKE %s "
                "ORDER BY birth_family, given LIMIT 200",
                [f"%{query}%"],
            )
            return cursor.fetchall()

    # The bench's own million names must not make the collector's passes part of a search's
    # time: a server process does not hold them.
    gc.collect()
    gc.freeze()
    figures: dict[str, Any] = {"load": os.getloadavg()[0], "vendor": connection.vendor}
    words = [q.split()[0] for q in queries["exact"][: max(5, count // 10)]]
    figures["baseline"] = _timed(scan, words)
    for label, _target in _KINDS:
        figures[label] = _timed(lambda q: search(user, q), queries[label])
    figures["load_after"] = os.getloadavg()[0]
    return figures


_NAMES = {"sqlite": "SQLCipher", "postgresql": "PostgreSQL, fsync on"}
_WIDTH = 50


def _cell(times: dict[str, list[float]], base50: float | None) -> str:
    if not times["wall"]:
        return "no query took this path"
    p50, p99 = _percentiles(times["wall"])
    cell = f"{len(times['wall']):3d} q  p50 {p50:6.1f}  p99 {p99:6.1f}"
    if base50 is None:
        return cell
    return cell + f"  cpu {_percentiles(times['cpu'])[1]:5.1f}  {base50 / max(p50, 1e-3):4.0f}x"


def print_search(legs: dict[str, dict[str, Any]]) -> None:
    """The engines side by side, in ms: wall-clock p50 and p99, this process's CPU p99 (on
    PostgreSQL the server's own CPU is not in it), and how many times the baseline scan's
    p50 is the p50."""
    heads = [
        f"{_NAMES[v]} (load {f['load']:.1f} -> {f['load_after']:.1f})" for v, f in legs.items()
    ]
    print(" " * 11 + "".join(f"{h:<{_WIDTH}}" for h in heads))
    bases = {v: _percentiles(f["baseline"]["wall"])[0] for v, f in legs.items()}
    rows = [("baseline", "baseline", None), *((k, k, t) for k, t in _KINDS)]
    for label, kind, _target in rows:
        cells = [_cell(f[kind], None if kind == "baseline" else bases[v]) for v, f in legs.items()]
        print(f"  {label:<9}" + "".join(f"{c:<{_WIDTH}}" for c in cells))
    for kind, target in _KINDS:
        for vendor, f in legs.items():
            if target is not None and f[kind]["wall"]:
                p99 = _percentiles(f[kind]["wall"])[1]
                verdict = "meets" if p99 < target else "MISSES"
                print(f"  {_NAMES[vendor]}, {kind}: {verdict} p99 < {target} ms")


def search_leg(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process whose environment names a PostgreSQL database: an instance on it,
    its population, the search figures (returned) and the summaries under load (printed)."""
    patients, queries, seed = args.patients, args.queries, args.seed
    root = Path(tempfile.mkdtemp(prefix="autarcie-bench-viewer-pg-"))
    try:
        data, key = root / "data", root / "data.key"
        env = {**instance_env(key), "DB": "postgres"}
        init_instance(data, key, env)
        open_instance(data, key)
        people, charted = populate(patients, args.in_units, seed)
        figures = bench_search(people, queries, seed)
        print("patient summaries on PostgreSQL (autarcie serve, 2 workers):")
        bench_summaries(data, key, charted, args.clients, args.paced, args.saturated, env=env)
        return figures
    finally:
        shutil.rmtree(root, ignore_errors=True)


def postgres_search(args: argparse.Namespace) -> dict[str, Any] | None:
    """The PostgreSQL leg in a child process, on a throw-away cluster (fsync on)."""
    if server_binaries() is None:
        print("  PostgreSQL: not measured (server binaries not installed)")
        return None
    with throwaway_cluster() as cluster:
        cluster.sql("CREATE DATABASE bench_viewer")
        command = [sys.executable, __file__, "--search-leg", "--patients", str(args.patients)]
        command += ["--queries", str(args.queries), "--seed", str(args.seed)]
        command += ["--in-units", str(args.in_units), "--clients", str(args.clients)]
        command += ["--paced", str(args.paced), "--saturated", str(args.saturated)]
        env = {**os.environ, **cluster.environment("bench_viewer")}
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit("the PostgreSQL search leg failed")
        *said, last = done.stdout.rstrip().splitlines()
        for line in said:
            print(line)
        figures: dict[str, Any] = json.loads(last)
        return figures


# -- summaries under load --------------------------------------------------------------------


def start_server(
    data: Path, key: Path, workers: int, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    return serve(data, env or instance_env(key), workers)


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
            session.log_in(WARD_NURSE, PASSWORD)
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
    data: Path,
    key: Path,
    ids: list[int],
    clients: int,
    paced: float,
    saturated: float,
    env: dict[str, str] | None = None,
) -> None:
    """``env``: the server's environment (default: the SQLCipher instance keyed by ``key``)."""
    from django.db import connections

    _ward_nurse()
    connections.close_all()
    server, port = start_server(data, key, workers=2, env=env)
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
    parser.add_argument(
        "--engines",
        default="sqlite,postgres",
        help="engines measured: sqlite and/or postgres (search, then summaries under load)",
    )
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)  # the load process
    parser.add_argument("--ids", default="", help=argparse.SUPPRESS)
    parser.add_argument("--search-leg", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        ids = [int(i) for i in args.ids.split(",")]
        print(json.dumps(drive(args.drive, ids, args.clients, args.paced, args.saturated)))
        return 0
    if args.small:
        args.patients, args.queries, args.paced, args.saturated = 20_000, 100, 5.0, 4.0
    if args.search_leg:
        print(json.dumps(search_leg(args)))
        return 0
    engines = args.engines.split(",")
    root = Path(tempfile.mkdtemp(prefix="autarcie-bench-viewer-"))
    try:
        print(f"viewer bench: {args.patients} patients, {os.cpu_count()} cores")
        print("SQLCipher instance:")
        data, key = make_instance(root)
        open_instance(data, key)
        people, charted = populate(args.patients, args.in_units, args.seed)
        legs: dict[str, dict[str, Any]] = {}
        if "sqlite" in engines:
            legs["sqlite"] = bench_search(people, args.queries, args.seed)
        if "postgres" in engines:
            print("PostgreSQL instance (child process):", flush=True)
            pg = postgres_search(args)
            if pg is not None:
                legs["postgresql"] = pg
        print("search (chart.search.search, in process; ms):")
        if legs:
            print_search(legs)
        print("patient summaries on SQLCipher (autarcie serve, 2 workers; separate load process):")
        bench_summaries(data, key, charted, args.clients, args.paced, args.saturated)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
