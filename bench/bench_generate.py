"""Time the synthetic hospital generator against a plain-write baseline; prints peak RSS."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from autarcie.demo.synth import generate


def _lines(folder: Path) -> tuple[int, int]:
    """(lines, bytes) written under `folder`."""
    lines = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size += path.stat().st_size
            with path.open("rb") as handle:  # in chunks: the files can weigh gigabytes
                while chunk := handle.read(1 << 22):
                    lines += chunk.count(b"\n")
    return lines, size


def _baseline(folder: Path, lines: int, width: int) -> float:
    """Seconds to write the same number of lines of the same mean width with plain writes."""
    line = "x" * max(1, width - 1) + "\n"
    started = time.perf_counter()
    with (folder / "baseline.txt").open("w", encoding="utf-8") as handle:
        for _ in range(lines):
            handle.write(line)
    return time.perf_counter() - started


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beds", type=int, default=869)
    parser.add_argument("--patients", type=int, default=0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        started = time.perf_counter()
        summary = generate(
            out, beds=args.beds, patients=args.patients, seed=args.seed, days=args.days
        )
        elapsed = time.perf_counter() - started
        lines, size = _lines(out)
        base = _baseline(Path(tmp), lines, size // max(lines, 1))
    messages = sum(summary.hl7_messages.values())
    resources = sum(summary.fhir_resources.values())
    print(f"beds={args.beds} days={args.days} patients={args.patients} seed={args.seed}")
    print(
        f"generate: {elapsed:.2f} s  ({messages} HL7 messages, {resources} FHIR resources,"
        f" {lines} lines, {size / 1e6:.1f} MB)"
    )
    print(
        f"baseline (plain writes of {lines} lines): {base:.2f} s"
        f"  ratio {elapsed / max(base, 1e-9):.1f}x"
    )
    print(f"peak RSS: {_peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
