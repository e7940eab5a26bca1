"""A unit satellite's sync: first pull, and an incremental update after a few changes.

Builds the synthetic hospital with `autarcie demo --no-serve` (869 beds, 30 days by default;
`--small`: 60 beds, 2 days), serves it on a loopback port, enrols a second instance as the
satellite of its busiest unit, then runs the real `autarcie satellite sync` command. The times
printed are the command's own (pull, verify, apply, push: what the satellite's scheduler does),
and the wall time of the whole command. Baseline, same run: a sync with nothing to update (the
round trip, the main's digest of the unit and the push of the satellite's journal).
Target: an incremental update for one unit < 2 s.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CLI = (sys.executable, "-m", "autarcie.cli")
_BUSIEST = """
import django, sys
django.setup()
from django.db.models import Count
from autarcie.mirror.models import Stay
row = (Stay.objects.filter(status__in=("admitted", "on_leave")).values("unit_code")
       .annotate(n=Count("pk")).order_by("-n").first())
print(row["unit_code"], row["n"])
"""
_ADMIT = """
import django, sys
django.setup()
from autarcie.core import clock
from autarcie.mirror.ingest import Received, ingest_hl7_batch
from autarcie.mirror.senders import parse_policy
unit, count = sys.argv[1], int(sys.argv[2])
auth = "BENCH&1.2.250.1.71.4.2.2.999&ISO"
batch = []
for n in range(count):
    ipp, nda = f"BSAT{n:05d}", f"BNDA{n:05d}"
    raw = "\\r".join([
        f"MSH|^~\\\\&|GAM|BENCH|AUTARCIE|BENCH|20250110080000||ADT^A01^ADT_A01|BSAT{n}|P|"
        "2.5^FRA^2.11|||||FRA|UNICODE UTF-8|FR||2.11^IHE_FRANCE-2.11-PAM",
        "EVN||20250110080000||||20250110080000",
        f"PID|||{ipp}^^^{auth}^PI||BANC{n}^ESSAI^^^^^L||19600101|F||||||||||{nda}^^^{auth}^AN",
        f"PV1|1|I|{unit}^9{n}^1^BENCH^O||||||||||||||||{nda}^^^{auth}^VN",
        f"ZBE|BMVT{n}^GAM^1.2.250.1.999^ISO|20250110080000||INSERT|N||"
        f"Unite^^^^^BENCH^UF^^^{unit}|Unite^^^^^BENCH^UF^^^{unit}|HMS",
    ]).encode() + b"\\r"
    batch.append(Received(raw, "127.0.0.1", clock.now()))
out = ingest_hl7_batch(batch, parse_policy("127.0.0.0/8"), clock.now())
assert all(o.code == "AA" for o in out), out
"""


def _env(root: Path, data: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    env.update(
        AUTARCIE_MODE="demo",
        AUTARCIE_LOG_LEVEL="WARNING",
        AUTARCIE_KITS_EVERY_MINUTES="0",
        AUTARCIE_SATELLITE_SYNC_MINUTES="0",
        AUTARCIE_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="autarcie.settings",
        TMPDIR=str(root),
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*_CLI, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"autarcie {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def _python(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip())
    return done.stdout


def _sync(env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds inside the command, wall seconds, its summary line)."""
    started = time.monotonic()
    line = _run(["satellite", "sync"], env).strip()
    wall = time.monotonic() - started
    found = re.search(r"in ([0-9.]+) s$", line)
    return (float(found.group(1)) if found else wall), wall, line


def _serve(data: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        [*_CLI, "serve", "--data-dir", str(data), "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)  # waiting for the server to listen
    proc.terminate()
    raise SystemExit("the main instance did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="60 beds, 2 days")
    parser.add_argument("--beds", type=int, default=869)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--changes", type=int, default=3, help="admissions before the update")
    args = parser.parse_args()
    beds, days = (60, 2) if args.small else (args.beds, args.days)
    with tempfile.TemporaryDirectory(prefix="bench-satellite-") as tmp:
        root = Path(tmp)
        main_data, sat_data = root / "demo", root / "satellite"
        main_env, sat_env = _env(root, main_data), _env(root, sat_data)
        print(f"building the demo hospital: {beds} beds, {days} days …", flush=True)
        _run(["demo", "--no-serve", "--beds", str(beds), "--days", str(days)], main_env)
        unit, present = _python(_BUSIEST, main_env).split()
        password = root / "pw"
        password.write_text("bench-satellite-password-1\n", encoding="utf-8")
        _run(["init", "--admin-password-file", str(password)], sat_env)
        server, port = _serve(main_data, main_env)
        try:
            code = _run(["satellite", "pair", "--name", "bench", "--unit", unit], main_env).split()[
                0
            ]
            _run(
                ["satellite", "enrol", "--main", f"http://127.0.0.1:{port}", "--code", code],
                sat_env,
            )
            first, first_wall, line = _sync(sat_env)
            print(f"unit {unit}: {present} patients present; first sync: {line}")
            nothing, nothing_wall, _ = _sync(sat_env)
            _python(_ADMIT, main_env, unit, str(args.changes))
            update, update_wall, line = _sync(sat_env)
            print(f"after {args.changes} admissions: {line}")
        finally:
            server.terminate()
            server.wait(timeout=60)
        print(f"first sync (whole unit):   {first:6.2f} s in the command, {first_wall:.2f} s wall")
        print(
            f"incremental update:        {update:6.2f} s in the command, {update_wall:.2f} s wall"
            f"  (baseline sync with nothing new {nothing:.2f} s, {nothing_wall:.2f} s wall, "
            f"x{update / max(nothing, 1e-6):.1f})  target < 2 s"
        )


if __name__ == "__main__":
    main()
