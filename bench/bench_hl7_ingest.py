"""HL7 v2 over MLLP into a real instance: messages/s at 1, 4 and 16 connections, freshness.

Each connection waits for the ACK of a message before sending the next (as real senders do);
an ACK means committed: SQLCipher with `synchronous=FULL`, and PostgreSQL (a throw-away cluster
with fsync on) when its server binaries are installed. Messages come from the synthetic
hospital (`autarcie.demo.synth`). Baseline, same messages, same run: `hl7.parse` of the `hl7`
package alone (no interpretation, no storage, no network).

Freshness: while 16 connections send as fast as the listener answers, a reader in another
process measures the time from each ACK to the moment a reader sees it: a new patient found by
the viewer's name search, a new result or report in the tables the summary reads.

With `--profile`, the ingest path is also run in this process under cProfile (no network) and
its top functions printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hl7

from autarcie.demo.synth.generate import simulate
from autarcie.demo.synth.hl7_feed import write_hl7
from autarcie.mirror.hl7.parser import split_batch
from autarcie.mirror.sender import AckReceived, send_messages
from httpload import init_instance
from pgcluster import Cluster, server_binaries, throwaway_cluster

_CLI = (sys.executable, "-m", "autarcie.cli")
_ANNOUNCE = re.compile(r"listener on mllp://[^:]+:(\d+)")
_STOPPED = re.compile(r"(\d+) messages committed in (\d+) batches \(largest (\d+)\)")


def synthetic_messages(beds: int, days: int, folder: Path) -> list[bytes]:
    world = simulate(seed=1, beds=beds, days=days)
    _counts, files = write_hl7(folder, world)
    return [raw for name in files for raw in split_batch((folder / name).read_bytes())]


def _env(key: Path, engine: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    env.update(engine or {"DB": "sqlite"})
    env.update(
        AUTARCIE_DB_KEY_FILE=str(key),
        AUTARCIE_HL7_SENDERS="127.0.0.1/32",
        AUTARCIE_LOG_LEVEL="WARNING",
    )
    return env


@dataclass
class Engine:
    """Where an instance keeps its data: a copied SQLCipher file or a copied PostgreSQL DB."""

    label: str
    cluster: Cluster | None = None

    def environment(self, run: str) -> dict[str, str]:
        if self.cluster is None:
            return {"DB": "sqlite"}
        return self.cluster.environment(f"bench_{run}")

    def copy_database(self, run: str) -> None:
        if self.cluster is not None:
            self.cluster.sql(f"CREATE DATABASE bench_{run} TEMPLATE bench_template")


def make_template(root: Path, engine: Engine) -> tuple[Path, Path]:
    """One initialised instance, copied afresh for every run (init costs seconds)."""
    data, key = root / "template", root / "template.key"
    shutil.rmtree(data, ignore_errors=True)
    key.unlink(missing_ok=True)
    if engine.cluster is not None:
        engine.cluster.sql("CREATE DATABASE bench_template")
    init_instance(data, key, _env(key, engine.environment("template")))
    return data, key


class Listener:
    """`autarcie hl7 listen` in a subprocess on a free port."""

    def __init__(self, data: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*_CLI, "hl7", "listen", "--data-dir", str(data), "--port", "0"],
            env=env,
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


@dataclass
class Instance:
    data: Path
    env: dict[str, str]


def fresh_instance(template: Path, key: Path, root: Path, engine: Engine, run: str) -> Instance:
    data = root / run
    shutil.copytree(template, data)
    run_key = root / f"{run}.key"
    shutil.copy(key, run_key)
    engine.copy_database(run)
    return Instance(data, _env(run_key, engine.environment(run)))


def run_listener(
    template: Path, key: Path, root: Path, engine: Engine, raws: list[bytes], conns: int
) -> float:
    instance = fresh_instance(template, key, root, engine, f"run{conns}_{secrets.token_hex(3)}")
    listener = Listener(instance.data, instance.env)
    try:
        report = send_messages(raws, "127.0.0.1", listener.port, connections=conns)
    finally:
        batches = listener.stop()
    rate = report.acknowledged / report.elapsed
    codes = ", ".join(f"{code} {n}" for code, n in sorted(report.counts.items()))
    print(f"  {conns:2d} connection(s): {rate:8.0f} msg/s  ({codes}; {batches})", flush=True)
    return rate


# Freshness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Watched:
    """What a reader should see once a message is acknowledged."""

    kind: str  # "patient" (first message of a patient) or "result"
    ipp: str
    name: str


def _patient_of(raw: bytes) -> tuple[str, str] | None:
    for segment in raw.decode("utf-8", errors="replace").split("\r"):
        if segment.startswith("PID|"):
            fields = segment.split("|")
            ipp = ""
            for identifier in fields[3].split("~") if len(fields) > 3 else []:
                parts = identifier.split("^")
                if len(parts) > 4 and parts[4] == "PI":
                    ipp = parts[0]
            name = fields[5].split("~")[0].split("^") if len(fields) > 5 else []
            words = " ".join(name[:2]).strip()
            return (ipp, words) if ipp and words else None
    return None


def watch_list(raws: list[bytes]) -> dict[int, Watched]:
    """Message index -> what becomes visible with it (new patients, results)."""
    seen: set[str] = set()
    watched: dict[int, Watched] = {}
    for index, raw in enumerate(raws):
        found = _patient_of(raw)
        if found is None:
            continue
        ipp, name = found
        if raw.split(b"|", 9)[8].startswith(b"ORU"):
            watched[index] = Watched("result", ipp, name)
        elif ipp not in seen:
            watched[index] = Watched("patient", ipp, name)
        seen.add(ipp)
    return watched


def measure_freshness(instance: Instance, raws: list[bytes], conns: int) -> None:
    watched = watch_list(raws)
    listener = Listener(instance.data, instance.env)
    reader = subprocess.Popen(
        [sys.executable, __file__, "--reader", str(instance.data)],
        env=instance.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None
    ready = reader.stdout.readline()
    if ready.strip() != "ready":
        raise SystemExit("the freshness reader did not start")
    last_ack: dict[str, str] = {}  # per patient: the wall time of its last ACK

    def on_ack(index: int, ack: AckReceived) -> None:
        item = watched.get(index)
        if item is None or ack.code != "AA":
            return
        # A patient's messages share one connection, each sent after the previous ACK: its
        # new results are those received after the patient's previous ACK.
        line = json.dumps(
            {
                "kind": item.kind,
                "ipp": item.ipp,
                "name": item.name,
                "ack": time.monotonic(),
                "after": last_ack.get(item.ipp, "1970-01-01T00:00:00+00:00"),
            }
        )
        last_ack[item.ipp] = dt.datetime.now(dt.UTC).isoformat()
        assert reader.stdin is not None
        reader.stdin.write(line + "\n")
        reader.stdin.flush()

    try:
        report = send_messages(raws, "127.0.0.1", listener.port, connections=conns, on_ack=on_ack)
    finally:
        batches = listener.stop()
    reader.stdin.close()
    figures = json.loads(reader.stdout.read() or "{}")
    reader.wait(timeout=120)
    rate = report.acknowledged / report.elapsed
    print(f"  freshness while ingesting {rate:.0f} msg/s over {conns} connections ({batches}):")
    for kind in ("patient", "result"):
        values = sorted(figures.get(kind, []))
        if not values:
            print(f"    {kind}: nothing measured")
            continue
        p50, p99 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))]
        label = "new patient, name search" if kind == "patient" else "new result, summary tables"
        print(
            f"    {label}: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max "
            f"{values[-1] * 1000:.0f} ms ({len(values)} measured; never seen: "
            f"{figures.get('missed_' + kind, 0)})"
        )


def reader_main(data: Path) -> None:
    """The reader process: told of each ACK, polls until it sees what that ACK promised."""
    from autarcie.cli import setup_django

    setup_django(data)
    from autarcie.chart.search import search
    from autarcie.core.actions import create_user
    from autarcie.core.roles import Role
    from autarcie.mirror.models import Document, Result

    user = create_user(
        actor="system:bench",
        username="bench-reader",
        password=secrets.token_urlsafe(24),
        roles=[Role.PHYSICIAN],
        all_units=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in sys.stdin:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    print("ready", flush=True)
    pending: list[dict[str, Any]] = []
    latencies: dict[str, list[float]] = {"patient": [], "result": []}
    closed = False
    deadline = float("inf")
    while not closed or (pending and time.monotonic() < deadline):
        while True:
            try:
                line = lines.get(timeout=0.001 if pending else 0.05)
            except queue.Empty:
                break
            if line is None:
                closed, deadline = True, time.monotonic() + 10
                break
            pending.append(json.loads(line))
        still: list[dict[str, Any]] = []
        results = [p for p in pending if p["kind"] == "result"]
        newest: dict[str, dt.datetime] = {}
        for model in (Result, Document) if results else ():  # an ORU carries either
            rows = model.objects.filter(patient__ipp__in={p["ipp"] for p in results})
            for ipp, received in rows.values_list("patient__ipp", "received_at"):
                if ipp not in newest or received > newest[ipp]:
                    newest[ipp] = received
        for item in pending:
            if item["kind"] == "result":
                seen = newest.get(item["ipp"])
                visible = seen is not None and seen > dt.datetime.fromisoformat(item["after"])
            else:
                hits = search(user, item["name"])
                visible = any(h.patient.ipp == item["ipp"] for h in hits.mine + hits.others)
            if visible:
                latencies[item["kind"]].append(time.monotonic() - item["ack"])
            else:
                still.append(item)
        pending = still
    missed = {f"missed_{k}": sum(1 for p in pending if p["kind"] == k) for k in latencies}
    print(json.dumps({**latencies, **missed}), flush=True)


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


def run_engine(engine: Engine, raws: list[bytes], base: float, args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="autarcie-bench-"))
    try:
        print(f"{engine.label}:", flush=True)
        template, key = make_template(root, engine)
        for conns in (int(n) for n in args.connections.split(",")):
            rate = run_listener(template, key, root, engine, raws, conns)
            print(f"      ratio to baseline: {rate / base:.2f}")
        if args.freshness:
            measure_freshness(fresh_instance(template, key, root, engine, "fresh"), raws, 16)
        if args.profile and engine.cluster is None:
            profile_in_process(template, key, root, raws)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a 100-bed, 1-day hospital")
    parser.add_argument("--beds", type=int, default=869)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--connections", default="1,4,16", help="comma-separated counts")
    parser.add_argument(
        "--engines",
        default="sqlite,postgres",
        help="sqlite and/or postgres (postgres needs the Debian server package)",
    )
    parser.add_argument(
        "--no-freshness", dest="freshness", action="store_false", help="skip freshness"
    )
    parser.add_argument("--profile", action="store_true", help="also profile the ingest path")
    parser.add_argument("--reader", type=Path, help=argparse.SUPPRESS)  # the freshness reader
    args = parser.parse_args()
    if args.reader:
        reader_main(args.reader)
        return
    beds, days = (100, 1) if args.small else (args.beds, args.days)
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory(prefix="autarcie-bench-feeds-") as feeds:
        raws = synthetic_messages(beds, days, Path(feeds))
    size = sum(len(raw) for raw in raws) / len(raws)
    print(
        f"{len(raws)} HL7 messages of the synthetic hospital ({beds} beds, {days} day(s), "
        f"{size:.0f} bytes on average)"
    )
    base = baseline(raws)
    print(f"  baseline hl7.parse alone: {base:8.0f} msg/s (no interpretation, no storage)")
    if "sqlite" in engines:
        run_engine(Engine("SQLCipher, synchronous=FULL"), raws, base, args)
    if "postgres" in engines:
        if server_binaries() is None:
            print("PostgreSQL: not measured (server binaries not installed)")
            return
        with throwaway_cluster() as cluster:
            run_engine(Engine("PostgreSQL, fsync on", cluster), raws, base, args)


if __name__ == "__main__":
    main()
