"""HL7 v2 over MLLP into a real instance: messages/s at 1, 4 and 16 connections.

Each connection waits for the ACK of a message before sending the next (as real senders do);
an ACK means committed with SQLCipher `synchronous=FULL`. Messages come from the synthetic
hospital (`autarcie.demo.synth`). Baseline, same messages, same run: `hl7.parse` of the `hl7`
package alone (no interpretation, no storage, no network). With `--profile`, the ingest path
is also run in this process under cProfile (no network) and its top functions printed.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import hl7

from autarcie.demo.synth.generate import simulate
from autarcie.demo.synth.hl7_feed import write_hl7
from autarcie.mirror.hl7.parser import split_batch
from autarcie.mirror.sender import send_messages

_CLI = (sys.executable, "-m", "autarcie.cli")
_ANNOUNCE = re.compile(r"listener on mllp://[^:]+:(\d+)")
_STOPPED = re.compile(r"(\d+) messages committed in (\d+) batches \(largest (\d+)\)")


def synthetic_messages(beds: int, days: int, folder: Path) -> list[bytes]:
    world = simulate(seed=1, beds=beds, days=days)
    _counts, files = write_hl7(folder, world)
    return [raw for name in files for raw in split_batch((folder / name).read_bytes())]


def _env(key: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_")) and k != "DB"
    }
    env.update(
        AUTARCIE_DB_KEY_FILE=str(key),
        AUTARCIE_HL7_SENDERS="127.0.0.1/32",
        AUTARCIE_LOG_LEVEL="WARNING",
    )
    return env


def make_template(root: Path) -> tuple[Path, Path]:
    """One initialised instance, copied afresh for every run (init costs seconds)."""
    data, key = root / "template", root / "template.key"
    password = root / "pw"
    password.write_text(secrets.token_urlsafe(16), encoding="utf-8")
    done = subprocess.run(
        [*_CLI, "init", "--data-dir", str(data), "--admin-password-file", str(password)],
        env=_env(key),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"autarcie init failed: {done.stderr.strip()}")
    return data, key


class Listener:
    """`autarcie hl7 listen` in a subprocess on a free port."""

    def __init__(self, data: Path, key: Path) -> None:
        self.process = subprocess.Popen(
            [*_CLI, "hl7", "listen", "--data-dir", str(data), "--port", "0"],
            env=_env(key),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.port = 0
        self._announced = threading.Event()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self._announced.wait(timeout=120)
        if not self.port:
            raise SystemExit("the listener did not start:\n" + "".join(self.lines))

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            found = _ANNOUNCE.search(line)
            if found:
                self.port = int(found.group(1))
                self._announced.set()
        self._announced.set()

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        self._drainer.join(timeout=30)
        found = _STOPPED.search("".join(self.lines))
        if not found:
            return "batches: unknown"
        count, batches, largest = (int(g) for g in found.groups())
        return f"{batches} commits, {count / max(batches, 1):.1f} msg/commit, largest {largest}"


def run_listener(template: Path, key: Path, root: Path, raws: list[bytes], conns: int) -> float:
    data = root / f"run{conns}"
    shutil.copytree(template, data)
    run_key = root / f"run{conns}.key"
    shutil.copy(key, run_key)
    listener = Listener(data, run_key)
    try:
        report = send_messages(raws, "127.0.0.1", listener.port, connections=conns)
    finally:
        batches = listener.stop()
    rate = report.acknowledged / report.elapsed
    codes = ", ".join(f"{code} {n}" for code, n in sorted(report.counts.items()))
    print(f"  {conns:2d} connection(s): {rate:8.0f} msg/s  ({codes}; {batches})", flush=True)
    return rate


def baseline(raws: list[bytes]) -> float:
    texts = [raw.decode("utf-8", errors="replace") for raw in raws]
    start = time.perf_counter()
    for text in texts:
        hl7.parse(text)
    return len(texts) / (time.perf_counter() - start)


def profile_in_process(template: Path, key: Path, root: Path, raws: list[bytes]) -> None:
    """The ingest path alone, batches of 500, under cProfile: where a message's time goes."""
    data = root / "profile"
    shutil.copytree(template, data)
    os.environ.update(_env(key), AUTARCIE_DATA_DIR=str(data))
    from autarcie.cli import setup_django

    setup_django(data)
    from autarcie.core import clock
    from autarcie.mirror.ingest import Received, ingest_hl7_batch
    from autarcie.mirror.senders import parse_policy

    policy = parse_policy("127.0.0.1/32")
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for first in range(0, len(raws), 500):
        now = clock.now()
        items = [Received(raw, "127.0.0.1", now) for raw in raws[first : first + 500]]
        ingest_hl7_batch(items, policy, now)
    profiler.disable()
    elapsed = time.perf_counter() - start
    print(f"in-process ingest under cProfile: {len(raws) / elapsed:.0f} msg/s (no network)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a 100-bed, 1-day hospital")
    parser.add_argument("--beds", type=int, default=869)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--connections", default="1,4,16", help="comma-separated counts")
    parser.add_argument("--profile", action="store_true", help="also profile the ingest path")
    args = parser.parse_args()
    beds, days = (100, 1) if args.small else (args.beds, args.days)
    root = Path(tempfile.mkdtemp(prefix="autarcie-bench-"))
    try:
        raws = synthetic_messages(beds, days, root / "feeds")
        size = sum(len(raw) for raw in raws) / len(raws)
        print(
            f"{len(raws)} HL7 messages of the synthetic hospital ({beds} beds, {days} day(s), "
            f"{size:.0f} bytes on average), SQLCipher, synchronous=FULL"
        )
        base = baseline(raws)
        print(f"  baseline hl7.parse alone: {base:8.0f} msg/s (no interpretation, no storage)")
        template, key = make_template(root)
        for conns in (int(n) for n in args.connections.split(",")):
            rate = run_listener(template, key, root, raws, conns)
            print(f"      ratio to baseline: {rate / base:.2f}")
        if args.profile:
            profile_in_process(template, key, root, raws)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
