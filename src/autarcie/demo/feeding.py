"""Feed the demo hospital through the real paths: HL7 over MLLP to the listener, FHIR through
the import."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections

from autarcie.core import clock
from autarcie.core.errors import ConfigurationError
from autarcie.demo.synth import GenerationSummary, generate
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.hl7.parser import split_batch
from autarcie.mirror.sender import send_messages


@dataclass
class FeedReport:
    generation: GenerationSummary
    hl7_codes: Counter[str] = field(default_factory=Counter)
    fhir_projected: int = 0
    fhir_rejected: int = 0
    seconds: float = 0.0


def hl7_files(feeds: Path) -> list[Path]:
    """Backlog first, then the days in order: the order a HIS interface engine replays."""
    folder = feeds / "hl7"
    days = sorted(p for p in folder.glob("*.hl7") if p.name != "backlog.hl7")
    backlog = folder / "backlog.hl7"
    return ([backlog] if backlog.exists() else []) + days


def _messages(files: list[Path]) -> Iterator[bytes]:
    for path in files:
        yield from split_batch(path.read_bytes())


def _progress(label: str, done: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-6)
    print(f"\r{label}: {done} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_listener(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigurationError("the demo's HL7 listener stopped before it was ready")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)  # a real process coming up, not a timing assumption
    raise ConfigurationError("the demo's HL7 listener did not start within 2 minutes")


def feed_hl7(data_dir: Path, files: list[Path]) -> Counter[str]:
    """Replay the HIS's messages as a HIS does: over MLLP to `autarcie hl7 listen`, each
    message waiting for its ACK; eight connections, each patient's messages in order on one."""
    connections.close_all()  # the listener is another process writing the same database
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "autarcie.cli",
        "hl7",
        "listen",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {**os.environ, "AUTARCIE_MODE": "demo"}
    listener = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)  # noqa: S603
    started = time.monotonic()
    answered = 0

    def on_ack(index: int, ack: object) -> None:
        nonlocal answered
        answered += 1
        if answered % 500 == 0:
            _progress("HL7 messages over MLLP", answered, started)

    try:
        _wait_for_listener(port, listener)
        report = send_messages(
            list(_messages(files)), "127.0.0.1", port, connections=8, on_ack=on_ack
        )
    finally:
        listener.terminate()
        listener.wait(timeout=120)
    _progress("HL7 messages over MLLP", answered, started)
    print(file=sys.stderr)
    return report.counts


def feed_demo(data_dir: Path, *, beds: int, seed: int, days: int, patients: int) -> FeedReport:
    started = time.monotonic()
    feeds = data_dir / "feeds"
    generation = generate(
        feeds, beds=beds, patients=patients, seed=seed, days=days, now=clock.now()
    )
    report = FeedReport(generation)
    # As a hospital would: the Bulk export is the initial load, then the HL7 stream keeps
    # the mirror current (and, received last, its richer messages are what screens show).
    summary = import_paths([feeds / "fhir"], sender="demo-his-bulk")
    report.fhir_projected = summary.total("projected")
    report.fhir_rejected = summary.total("rejected")
    report.hl7_codes = feed_hl7(data_dir, hl7_files(feeds))
    report.seconds = time.monotonic() - started
    return report
