"""Backup and restore of a demo hospital: seconds for `backup create` and `backup restore`.

Builds the synthetic hospital with `autarcie demo --no-serve` (869 beds and 30 days of
history by default; `--small`: 60 beds, 2 days), then times the real commands in their own
processes. Baseline, same run: starting the command line plus a plain copy of the database
file (what any backup must at least do), and a `journal verify` (what any restore must at
least do).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CLI = (sys.executable, "-m", "autarcie.cli")


def _env(root: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    env.update(AUTARCIE_MODE="demo", AUTARCIE_LOG_LEVEL="WARNING", TMPDIR=str(root))
    return env


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run([*_CLI, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"autarcie {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="60 beds, 2 days")
    parser.add_argument("--beds", type=int, default=869)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    beds, days = (60, 2) if args.small else (args.beds, args.days)
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        root = Path(tmp)
        env = _env(root)
        data = root / "demo"
        print(f"building the demo hospital: {beds} beds, {days} days …", flush=True)
        build = _timed(
            [
                "demo",
                "--no-serve",
                "--beds",
                str(beds),
                "--days",
                str(days),
                "--data-dir",
                str(data),
            ],
            env,
        )
        db = data / "autarcie.db"
        size = db.stat().st_size + sum(
            p.stat().st_size for p in data.glob("autarcie.db-wal") if p.exists()
        )
        print(f"built in {build:.0f} s; database {size / 1e6:.0f} MB")

        started = time.monotonic()
        shutil.copyfile(db, root / "plain-copy.db")
        copy = (
            time.monotonic() - started + _timed(["journal", "head", "--data-dir", str(data)], env)
        )
        (root / "plain-copy.db").unlink()

        archive = root / "bench.autarcie-backup"
        create = _timed(["backup", "create", "--data-dir", str(data), "--out", str(archive)], env)
        verify = _timed(["journal", "verify", "--data-dir", str(data)], env)
        target = root / "restored"
        restore = _timed(
            [
                "backup",
                "restore",
                str(archive),
                "--data-dir",
                str(target),
                "--backup-key-file",
                str(data.with_name("demo.backup.key")),
            ],
            env,
        )
        print(f"archive: {archive.stat().st_size / 1e6:.0f} MB")
        print(
            f"backup create:  {create:6.1f} s  (baseline CLI start + file copy {copy:.2f} s, "
            f"x{create / max(copy, 1e-6):.0f})  target < 60 s"
        )
        print(
            f"backup restore: {restore:6.1f} s  (baseline journal verify {verify:.2f} s, "
            f"x{restore / max(verify, 1e-6):.1f})  target < 60 s"
        )


if __name__ == "__main__":
    main()
