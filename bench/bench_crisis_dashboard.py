"""Crisis dashboard latency with concurrent users, against the login page as a baseline.

Requests go through Django's full WSGI stack (middleware, sessions, SQLCipher) in this
process, from N threads at once; sockets and the web server's workers are not measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path


def _setup(folder: Path, entries: int) -> tuple[int, int]:
    os.environ["AUTARCIE_DB_KEY_FILE"] = str(folder / "bench.key")
    from autarcie.core.commands import initialise

    initialise(folder / "var", mode="test")
    from autarcie.core.actions import create_user
    from autarcie.core.roles import Role
    from autarcie.crisis import actions, plan_actions
    from autarcie.crisis.models import Category, CrisisKind, Nis2Status, Priority
    from autarcie.demo.synth.inventory import build_inventory, inventory_csv

    director = create_user(
        actor="system:bench",
        username="directeur",
        password=secrets.token_urlsafe(16),
        roles=[Role.CRISIS_DIRECTOR],
        all_units=True,
    )
    from autarcie.core import clock

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
    for n in range(entries):
        actions.log(actor=director, crisis=crisis, category=Category.FACT, text=f"fait {n}")
    for n in range(entries // 5):
        actions.create_task(
            actor=director,
            crisis=crisis,
            title=f"tâche {n}",
            priority=Priority.NORMAL,
            due_at=clock.now() - dt.timedelta(minutes=n),
        )
    plan_actions.import_inventory(
        actor=director, crisis=crisis, text=inventory_csv(build_inventory(7, 869))
    )
    return director.pk, crisis.pk


def _measure(url: str, user_id: int | None, users: int, per_user: int) -> list[float]:
    from django.db import connection
    from django.test import Client

    from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
    from autarcie.core.models import User

    timings: list[float] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(users)

    def worker() -> None:
        try:
            run()
        except BaseException as exc:  # a failed request must fail the bench, not vanish
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    def run() -> None:
        client = Client()
        if user_id is not None:
            client.force_login(User.objects.get(pk=user_id))
            session = client.session
            session[SESSION_SECOND_FACTOR_OK] = True
            session.save()
        client.get(url)  # warm-up: the first request of a connection is not the steady state
        start.wait()
        mine = []
        for _ in range(per_user):
            began = time.perf_counter()
            response = client.get(url)
            mine.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"{len(failures)} user(s) failed: {failures[0]!r}")
    return timings


def _report(name: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:<28} n={len(ordered):<5} median {statistics.median(ordered) * 1000:6.1f} ms"
        f"  p99 {p99 * 1000:6.1f} ms"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="5 users, fewer requests")
    args = parser.parse_args()
    users, per_user, entries = (5, 4, 50) if args.small else (30, 20, 500)
    with tempfile.TemporaryDirectory() as tmp:
        user_id, crisis_id = _setup(Path(tmp), entries)
        base = _report("login page (baseline)", _measure("/connexion/", None, users, per_user))
        dash = _report(
            "crisis dashboard", _measure(f"/crise/{crisis_id}/", user_id, users, per_user)
        )
        print(
            f"{users} concurrent users; dashboard p99 = {dash / base:.1f}x baseline p99; "
            "target < 200 ms"
        )


if __name__ == "__main__":
    main()
