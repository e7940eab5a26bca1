"""Crisis dashboard latency under 30 concurrent users, on a served instance, against baselines.

1. A throw-away instance (`autarcie init`) gets one crisis with a long main courante, tasks
   (a fifth of them overdue), the synthetic hospital's restoration plan, a directory and a few
   alerts with answers.
2. `autarcie serve` runs it as in production (gunicorn, 2 worker processes of 2 threads).
3. N clients (threads, `http.client`, keep-alive), each logged in through the login form with
   its own session, load three pages one after the other in the same run:
   the login page (anonymous, the cheapest page), the crisis list (logged in, one small query:
   the fixed cost of an authenticated page, its session write included) and the dashboard.
   Each page is loaded twice: paced (each client one request a second, a dashboard on screen
   refreshed every second) and saturated (no pause: the throughput ceiling). The dashboard is
   loaded a third time, paced, while one more member writes a main courante entry every
   second: each entry changes the journal head, so the dashboard is recomputed each second.

Target (issue): dashboard p99 < 200 ms with 30 concurrent users. Figures are printed, never
asserted; `--small` runs 5 clients for a few seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from httpload import Browser, instance_env, make_instance, serve

MEMBER = "membre.bench"
PASSWORD = "bench-" + secrets.token_urlsafe(12)


def populate(data: Path, key: Path, entries: int) -> int:
    """The crisis the dashboard shows; returns its id."""
    os.environ.update(instance_env(key), AUTARCIE_DATA_DIR=str(data))
    from autarcie.cli import setup_django

    setup_django(data)
    from autarcie.core import clock
    from autarcie.core.actions import create_user
    from autarcie.core.roles import Role
    from autarcie.crisis import actions, alert_actions, plan_actions
    from autarcie.crisis.models import Category, CrisisKind, Nis2Status, Priority
    from autarcie.demo.synth.inventory import build_inventory, inventory_csv

    director = create_user(
        actor="system:bench",
        username="directeur.bench",
        password=secrets.token_urlsafe(16),
        roles=[Role.CRISIS_DIRECTOR],
        all_units=True,
    )
    member = create_user(
        actor="system:bench", username=MEMBER, password=PASSWORD, roles=[Role.CRISIS_MEMBER]
    )
    crisis = actions.declare(
        actor=director,
        declaration=actions.Declaration(
            kind=CrisisKind.CYBER,
            title="Bench",
            detected="bench",
            detected_by="bench",
            aware_at=clock.now() - dt.timedelta(hours=2),
            personal_data=True,
            nis2=Nis2Status.ESSENTIAL,
            insured=True,
            plan_blanc=True,
        ),
    )
    categories = list(Category)
    for n in range(entries):
        actions.log(actor=member, crisis=crisis, category=categories[n % 6], text=f"fait {n}")
    for n in range(entries // 5):
        actions.create_task(
            actor=member,
            crisis=crisis,
            title=f"tâche {n}",
            owner=member,
            priority=Priority.NORMAL,
            due_at=clock.now() + dt.timedelta(minutes=60 - n),
        )
    plan_actions.import_inventory(
        actor=director, crisis=crisis, text=inventory_csv(build_inventory(7, 869))
    )
    rows = ["name,kind,groups,unit,on_call,phone,email"]
    rows += [
        f"Agent {n},staff,cellule,U{n % 12},{n % 2},06{n:08d},a{n}@ch.test" for n in range(300)
    ]
    alert_actions.import_contacts(actor=member, text="\n".join(rows) + "\n")
    for target in ("tous", "astreinte", "unite:U3"):
        alert_actions.create_alert(
            actor=member, crisis=crisis, target=target, text="Rappel", by_sms=True, by_email=False
        )
    from django.db import connections

    connections.close_all()  # the server owns the database from here on
    return int(crisis.pk)


def start_server(data: Path, key: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    return serve(data, instance_env(key), workers)


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    elapsed: float = 0.0


def _client(session: Browser, path: str, until: float, period: float, out: Phase) -> None:
    next_at = time.monotonic() + (random.uniform(0, period) if period else 0)
    mine: list[float] = []
    while True:
        if period:
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the load (one request a second), not a test wait
            next_at += period
        if time.monotonic() >= until:
            break
        started = time.perf_counter()
        status, _text, _location = session.request("GET", path)
        mine.append(time.perf_counter() - started)
        if status != 200:
            out.errors.append(status)
    out.latencies.extend(mine)  # list.extend is atomic under the GIL


def _writer(session: Browser, crisis_id: int, until: float, out: Phase) -> None:
    """A member logging a fact every second through the main courante form."""
    path = f"/crise/{crisis_id}/main-courante/"
    session.request("GET", path)  # the form, and its CSRF token
    n = 0
    while time.monotonic() < until:
        n += 1
        form = {"category": "fact", "text": f"fait pendant la charge {n}"}
        status, _text, _location = session.request("POST", path, form)
        if status != 302:
            out.errors.append(status)
        time.sleep(1.0)  # pacing the writer, not a test wait


def load(
    sessions: Sequence[Browser],
    path: str,
    seconds: float,
    period: float,
    writer: tuple[Browser, int] | None = None,
) -> Phase:
    for session in sessions:  # warm-up: each worker thread's connection and templates
        session.request("GET", path)
    phase = Phase()
    until = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_client, args=(s, path, until, period, phase)) for s in sessions
    ]
    if writer is not None:
        writes = Phase()
        threads.append(threading.Thread(target=_writer, args=(*writer, until, writes)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.elapsed = time.perf_counter() - started
    if writer is not None:
        phase.errors += writes.errors
    return phase


def percentiles(samples: Sequence[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    return at(0.50), at(0.95), at(0.99)


def report(name: str, phase: Phase) -> float:
    p50, p95, p99 = percentiles(phase.latencies)
    rate = len(phase.latencies) / phase.elapsed
    print(
        f"  {name:<34} n={len(phase.latencies):<5} {rate:6.0f} req/s  p50 {p50:6.1f} ms"
        f"  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  errors {len(phase.errors)}"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5 clients, a few seconds each")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 30)")
    parser.add_argument("--seconds", type=float, help="seconds per paced phase (default 20)")
    args = parser.parse_args()
    clients = args.clients or (5 if args.small else 30)
    paced = args.seconds or (3.0 if args.small else 20.0)
    saturated = paced / 2
    entries = 100 if args.small else 2000
    with tempfile.TemporaryDirectory() as tmp:
        data, key = make_instance(Path(tmp))
        crisis_id = populate(data, key, entries)
        server, port = start_server(data, key, workers=2)
        try:
            anonymous = [Browser(port, timeout=60) for _ in range(clients)]
            members = [Browser(port, timeout=60) for _ in range(clients + 1)]
            for session in members:
                session.log_in(MEMBER, PASSWORD)
            writer = members.pop()
            pages = (
                ("login page (baseline)", anonymous, "/connexion/"),
                ("crisis list (baseline, logged in)", members, "/crise/"),
                ("crisis dashboard", members, f"/crise/{crisis_id}/"),
            )
            print(
                f"{clients} clients on autarcie serve (2 workers x 2 threads); "
                f"load average before: {os.getloadavg()[0]:.2f}"
            )
            p99s: dict[tuple[str, str], float] = {}
            for mode, seconds, period in (("paced 1/s", paced, 1.0), ("saturated", saturated, 0)):
                print(f"{mode}, {seconds:.0f} s per page:")
                for name, sessions, path in pages:
                    p99s[mode, path] = report(name, load(sessions, path, seconds, period))
            print(f"paced 1/s, {paced:.0f} s, one member writing an entry every second:")
            with_writes = load(members, pages[2][2], paced, 1.0, writer=(writer, crisis_id))
            written = report("crisis dashboard, with writes", with_writes)
            dash, base = p99s["paced 1/s", pages[2][2]], p99s["paced 1/s", "/crise/"]
            print(
                f"dashboard p99 paced {dash:.0f} ms = {dash / base:.1f}x the logged-in baseline; "
                f"target < 200 ms ({'met' if dash < 200 else 'MISSED'}); "
                f"with one writer {written:.0f} ms ({'met' if written < 200 else 'MISSED'}); "
                f"load average after: {os.getloadavg()[0]:.2f}"
            )
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
