"""Many people recording downtime care at once on SQLite (SQLCipher, WAL, synchronous=FULL).

The measure is taken on a real served instance: ``autarcie serve`` (2 workers, as installed)
in a subprocess, and 20 people, each logged in as its own nurse with its own keep-alive HTTP
connection, posting real forms (vitals, nursing notes, stock dispensations) and then loading the
page the form redirects to, as a browser does. Prints p50 / p99 / max latency per save (the
POST) and per save with its next page, and the errors ("database is locked" must never
appear), for one person alone (the baseline) and for 20 people, in the same run on the same
instance. ``--actions`` measures the action functions alone instead (one process per writer,
no HTTP), the view of the write path without the web layer.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from httpload import Browser, cpu_seconds, serve

WRITERS = 20
# Seconds between two saves of one person, on average: a very fast typist on short forms.
PACE = 1.0


def _prepare(root: Path) -> tuple[list[Any], str]:
    """A fresh instance with one unit, 20 nurses, 20 temporary patients and a stocked unit."""
    os.environ.pop("DB", None)
    os.environ["AUTARCIE_MODE"] = "demo"
    from autarcie.core.commands import initialise

    initialise(root / "data", key_file=root / "data.key", mode="demo")
    from autarcie.care import actions, stock_actions
    from autarcie.core import actions as core_actions
    from autarcie.core.roles import Role, UnitKind
    from autarcie.core.tempids import allocate_block

    unit = core_actions.create_unit(
        actor="system:bench", code="3010", label="Médecine", kind=UnitKind.MEDICINE, beds=40
    )
    ids = allocate_block(actor="system:bench", holder_type="unit", holder_id="3010", size=WRITERS)
    password = secrets.token_urlsafe(18)
    writers = []
    for n, tempid in enumerate(ids.identifiers()):
        nurse = core_actions.create_user(
            actor="system:bench",
            username=f"ide{n:02d}",
            password=password,
            roles=[Role.NURSE],
            units=[unit],
        )
        temp = actions.admit_temporary(
            actor="system:bench",
            identity={
                "tempid": tempid,
                "birth_family": f"BANC{n:02d}",
                "given": "Test",
                "sex": "F",
            },
            unit_code="3010",
            accept_duplicates=True,
        )
        writers.append((nurse, temp))
    stock_actions.record_stock(
        actor="system:bench",
        location="3010",
        drug_code="3400930000011",
        drug_label="Paracétamol 1 g",
        kind="receipt",
        quantity=1_000_000,
    )
    return writers, password


def _save(nurse: Any, temp: Any, n: int) -> None:
    from autarcie.care import actions, stock_actions
    from autarcie.care.models import EntryKind
    from autarcie.care.queries import Subject

    subject = Subject(temp=temp)
    if n % 3 == 0:
        actions.record_entry(
            actor=nurse,
            subject=subject,
            kind=EntryKind.VITALS,
            data={"systolic": "120", "diastolic": "75", "heart_rate": "80", "spo2": "97"},
        )
    elif n % 3 == 1:
        actions.record_entry(
            actor=nurse,
            subject=subject,
            kind=EntryKind.NOTE,
            data={"category": "nursing", "text": f"Transmission {n} : patient calme."},
        )
    else:
        stock_actions.record_stock(
            actor=nurse,
            location="3010",
            drug_code="3400930000011",
            drug_label="Paracétamol 1 g",
            kind="dispensation",
            quantity=1,
        )


def _writer(
    nurse: Any, temp: Any, saves: int, pace: float, seed: int, barrier: Any, out: Any
) -> None:
    """One person at a workstation: its own process, its own database connection."""
    rng = random.Random(seed)  # think times, not secrets
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    barrier.wait()
    for n in range(saves):
        if pace:
            # The time to fill in the next form (a benchmark models people; tests never sleep).
            time.sleep(rng.uniform(0, 2 * pace))
        started = time.perf_counter()
        try:
            _save(nurse, temp, n)
        except Exception as exc:  # counted and printed: the figure we want
            errors[f"{type(exc).__name__}: {exc}"[:80]] += 1
            continue
        latencies.append(time.perf_counter() - started)
    out.put((latencies, dict(errors)))


def _run(
    writers: list[Any], saves: int, pace: float = 0.0
) -> tuple[list[float], Counter[str], float]:
    from django.db import connections

    connections.close_all()  # every child opens its own connection after the fork
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(writers) + 1)
    out = context.Queue()
    children = [
        context.Process(target=_writer, args=(nurse, temp, saves, pace, i, barrier, out))
        for i, (nurse, temp) in enumerate(writers)
    ]
    for child in children:
        child.start()
    barrier.wait()
    started = time.perf_counter()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    for _ in children:
        mine, failed = out.get()
        latencies.extend(mine)
        errors.update(failed)
    wall = time.perf_counter() - started
    for child in children:
        child.join()
    return latencies, errors, wall


def _report(label: str, latencies: list[float], errors: Counter[str], wall: float) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"{label:<22} saves {len(ordered):>5}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
        f"max {ordered[-1] * 1000:7.1f} ms  {len(ordered) / wall:7.1f} saves/s  "
        f"errors {sum(errors.values())}"
    )
    for message, count in errors.most_common(5):
        print(f"    {count} x {message}")
    return p99


# -- a real served instance --------------------------------------------------------------


def _serve(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``autarcie serve`` with its default two workers, on a free loopback port."""
    from django.db import connections

    connections.close_all()
    env = {k: v for k, v in os.environ.items() if k != "DB"}
    env["AUTARCIE_LOG_LEVEL"] = "WARNING"
    return serve(data, env, workers=2)


def _form(temp_pk: int, n: int) -> tuple[str, dict[str, str]]:
    """The same three forms as the action run, as a browser posts them."""
    if n % 3 == 0:
        vitals = {"systolic": "120", "diastolic": "75", "heart_rate": "80", "spo2": "97"}
        return f"/soins/dossiers/temp/{temp_pk}/saisie/vitals/", vitals
    if n % 3 == 1:
        note = {"category": "nursing", "text": f"Transmission {n} : patient calme."}
        return f"/soins/dossiers/temp/{temp_pk}/saisie/note/", note
    stock = {"form": "entry", "drug_code": "3400930000011", "drug_label": "Paracétamol 1 g"}
    return "/soins/stock/3010/", stock | {"kind": "dispensation", "quantity": "1"}


class _Tally:
    """Latencies and errors of the people of one phase (threads of this process)."""

    def __init__(self) -> None:
        self.cpu = 0.0  # server CPU seconds used by the phase
        self.lock = threading.Lock()
        self.saves: list[float] = []
        self.pages: list[float] = []
        self.errors: Counter[str] = Counter()

    def add(self, save: float, page: float) -> None:
        with self.lock:
            self.saves.append(save)
            self.pages.append(page)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors[message[:80]] += 1


def _person(
    browser: Browser, temp_pk: int, saves: int, pace: float, seed: int, tally: _Tally
) -> None:
    rng = random.Random(seed)  # think times, not secrets
    for n in range(saves):
        if pace:
            # The time to fill in the next form (a benchmark models people; tests never sleep).
            time.sleep(rng.uniform(0, 2 * pace))
        path, form = _form(temp_pk, n)
        started = time.perf_counter()
        try:
            status, _text, location = browser.request("POST", path, form)
            saved = time.perf_counter()
            if status != 302:
                tally.error(f"HTTP {status} on {path.split('/')[-2] or 'stock'}")
                continue
            next_status, _text, _location = browser.request("GET", location)
        except (OSError, http.client.HTTPException) as exc:
            tally.error(f"{type(exc).__name__}: {exc}")
            browser.conn.close()  # a fresh connection for the next form
            continue
        if next_status != 200:
            tally.error(f"HTTP {next_status} on the page after the save")
            continue
        tally.add(saved - started, time.perf_counter() - started)


def _run_served(
    server: int, browsers: list[tuple[Browser, int]], saves: int, pace: float = 0.0
) -> tuple[_Tally, float]:
    tally = _Tally()
    threads = [
        threading.Thread(target=_person, args=(browser, pk, saves, pace, i, tally))
        for i, (browser, pk) in enumerate(browsers)
    ]
    cpu = cpu_seconds(server)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.cpu = cpu_seconds(server) - cpu
    return tally, time.perf_counter() - started


def bench_served(root: Path, writers: list[Any], password: str, saves: int) -> float:
    server, port = _serve(root / "data")
    try:
        browsers = []
        for nurse, temp in writers:
            browser = Browser(port)
            browser.log_in(nurse.username, password)
            browser.request("GET", f"/soins/dossiers/temp/{temp.pk}/saisie/vitals/")
            browsers.append((browser, temp.pk))
        print("served: autarcie serve (2 workers x 2 threads), one HTTP client per person;")
        print("a save is the POST of the form; 'with page' adds the page it redirects to;")
        print("server CPU is the CPU time of the server's processes, whatever the machine's load")
        base, wall = _run_served(server.pid, browsers[:1], saves * 4)
        base_p99 = _report_served("baseline: 1 person", base, wall)
        flat, wall = _run_served(server.pid, browsers, saves)
        _report_served(f"{WRITERS} people, no pause", flat, wall)
        paced, wall = _run_served(server.pid, browsers, saves, pace=PACE)
        p99 = _report_served(f"{WRITERS} people, ~{PACE:g} s/form", paced, wall)
    finally:
        server.terminate()
        server.wait(timeout=60)
    locked = sum(n for m, n in (flat.errors + paced.errors).items() if "locked" in m)
    print(f"p99 ratio {WRITERS} paced people / 1 person: {p99 / max(base_p99, 1e-9):.1f}x")
    return _verdict(p99, locked + sum(paced.errors.values()))


def _report_served(label: str, tally: _Tally, wall: float) -> float:
    if not tally.saves:
        print(f"{label:<24} no save succeeded; errors {sum(tally.errors.values())}")
        for message, count in tally.errors.most_common(5):
            print(f"    {count} x {message}")
        return float("inf")
    p99 = _report(label, tally.saves, tally.errors, wall)
    pages = sorted(tally.pages)
    print(
        f"{'':<24} with page  p50 {statistics.median(pages) * 1000:7.1f} ms  "
        f"p99 {_percentile(pages):7.1f} ms;  server CPU {tally.cpu / len(pages) * 1000:5.1f} ms "
        "per save with its page"
    )
    return p99


def _verdict(p99: float, errors: int) -> float:
    verdict = "met" if p99 < 300 and not errors else "NOT met"
    print(f"target p99 < 300 ms per save with {WRITERS} people, no error: {verdict}")
    return p99


def bench_actions(writers: list[Any], saves: int) -> float:
    print("action functions in process: one process and one connection per writer")
    base = _run(writers[:1], saves * 4)
    base_p99 = _report("baseline: 1 writer", *base)
    flat_out = _run(writers, saves)
    _report(f"{WRITERS} writers, no pause", *flat_out)
    paced = _run(writers, saves, pace=PACE)
    p99 = _report(f"{WRITERS} writers, ~{PACE:g} s/form", *paced)
    locked = sum(n for m, n in (flat_out[1] + paced[1]).items() if "locked" in m)
    print(f"p99 ratio {WRITERS} paced writers / 1 writer: {p99 / max(base_p99, 1e-9):.1f}x")
    print(f"'database is locked': {locked}")
    return _verdict(p99, locked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="fewer saves (for make bench)")
    parser.add_argument(
        "--actions", action="store_true", help="call the action functions, without HTTP"
    )
    args = parser.parse_args()
    saves = 6 if args.small else 30
    with tempfile.TemporaryDirectory(prefix="autarcie-bench-care-") as folder:
        writers, password = _prepare(Path(folder))
        print(f"care writers on SQLCipher (WAL, synchronous=FULL), {saves} saves per person,")
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
        if args.actions:
            bench_actions(writers, saves)
        else:
            bench_served(Path(folder), writers, password, saves)
    return 0


def _percentile(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


if __name__ == "__main__":
    sys.exit(main())
