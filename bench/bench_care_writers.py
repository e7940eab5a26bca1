"""Many people recording downtime care at once on SQLite (SQLCipher, WAL, synchronous=FULL).

Each writer is a process with its own database connection, logged in as its own nurse, saving
real forms through the care action functions (vitals, nursing notes, stock dispensations),
each save one transaction with its journal entry. Prints p50 / p99 / max latency per save and
the errors ("database is locked" must never appear), for one writer (the baseline) and for
20 concurrent writers, in the same run on the same instance.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

WRITERS = 20
# Seconds between two saves of one person, on average: a very fast typist on short forms.
PACE = 1.0


def _prepare(root: Path) -> list[Any]:
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
    return writers


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="fewer saves (for make bench)")
    args = parser.parse_args()
    saves = 6 if args.small else 30
    with tempfile.TemporaryDirectory(prefix="autarcie-bench-care-") as folder:
        writers = _prepare(Path(folder))
        print(f"care writers on SQLCipher (WAL, synchronous=FULL), {saves} saves per writer,")
        print("one process and one connection per writer")
        base = _run(writers[:1], saves * 4)
        base_p99 = _report("baseline: 1 writer", *base)
        flat_out = _run(writers, saves)
        _report(f"{WRITERS} writers, no pause", *flat_out)
        paced = _run(writers, saves, pace=PACE)
        p99 = _report(f"{WRITERS} writers, ~{PACE:g} s/form", *paced)
        locked = sum(n for m, n in (flat_out[1] + paced[1]).items() if "locked" in m)
        print(f"p99 ratio {WRITERS} paced writers / 1 writer: {p99 / max(base_p99, 1e-9):.1f}x")
        print(f"'database is locked': {locked}")
        verdict = "met" if p99 < 300 and not locked else "NOT met"
        print(f"target p99 < 300 ms with {WRITERS} people saving forms: {verdict}")
    return 0


def _percentile(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


if __name__ == "__main__":
    sys.exit(main())
