"""Feed the demo hospital through the real paths: HL7 over the ingest, FHIR through the import."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from autarcie.core import clock
from autarcie.demo.synth import GenerationSummary, generate
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.hl7.parser import split_batch
from autarcie.mirror.ingest import Received, ingest_hl7_batch
from autarcie.mirror.senders import parse_policy

BATCH = 500


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


def feed_hl7(files: list[Path]) -> Counter[str]:
    policy = parse_policy(settings.HL7_SENDERS)
    codes: Counter[str] = Counter()
    started = time.monotonic()
    batch: list[Received] = []
    for raw in _messages(files):
        batch.append(Received(raw, "127.0.0.1", clock.now()))
        if len(batch) == BATCH:
            codes.update(o.code for o in ingest_hl7_batch(batch, policy, clock.now()))
            batch = []
            _progress("HL7 messages", sum(codes.values()), started)
    if batch:
        codes.update(o.code for o in ingest_hl7_batch(batch, policy, clock.now()))
    _progress("HL7 messages", sum(codes.values()), started)
    print(file=sys.stderr)
    return codes


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
    report.hl7_codes = feed_hl7(hl7_files(feeds))
    report.seconds = time.monotonic() - started
    return report
