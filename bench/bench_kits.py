"""Paper kits of the demo hospital: one unit and every unit, against a minimal ReportLab loop.

Targets (2 cores): the whole hospital (869 beds, thousands of pages) in under 30 s using both
cores; one unit in under 2 s. Both runs go through ``autarcie kits build`` on a demo instance
(built here, or given with --data-dir); the build time is the one the command reports (after
start-up), wall time is also printed. Baseline, same run, same page count: a bare ReportLab
loop writing 45 lines of DejaVu text per page, in one process.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

_CLI = (sys.executable, "-m", "autarcie.cli")
_SUMMARY = re.compile(r"(\d+) kit\(s\), (\d+) pages in ([\d.]+) s")
FONT_DIR = Path(os.environ.get("AUTARCIE_KITS_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTARCIE_", "DJANGO_"))}
    env.update(AUTARCIE_MODE="demo", AUTARCIE_LOG_LEVEL="WARNING")
    return env


def build_demo(folder: Path, beds: int) -> Path:
    data = folder / "demo"
    command = [*_CLI, "demo", "--no-serve", "--beds", str(beds), "--data-dir", str(data)]
    subprocess.run(command, env=_env(), check=True, capture_output=True)
    return data


def largest_unit(data: Path) -> str:
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'autarcie.settings'; "
        "django.setup(); from autarcie.core.models import Unit; "
        "print(Unit.objects.order_by('-beds', 'code').first().code)"
    )
    env = _env() | {"AUTARCIE_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def kits_build(data: Path, out: Path, *which: str) -> tuple[int, int, float, float]:
    """(kits, pages, build seconds reported, wall seconds)."""
    command = [*_CLI, "kits", "build", *which, "--out", str(out), "--data-dir", str(data)]
    started = time.perf_counter()
    done = subprocess.run(command, env=_env(), check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    found = _SUMMARY.search(done.stderr)
    if found is None:
        raise SystemExit(f"unexpected output: {done.stderr[-300:]}")
    return int(found.group(1)), int(found.group(2)), float(found.group(3)), wall


def baseline(pages: int, path: Path) -> float:
    """Seconds for a bare ReportLab loop writing ``pages`` pages of DejaVu text."""
    if "BenchSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BenchSans", str(FONT_DIR / "DejaVuSans.ttf")))
    started = time.perf_counter()
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    for number in range(pages):
        canvas.setFont("BenchSans", 10)
        for line in range(45):
            canvas.drawString(40, 800 - line * 16, f"Ligne {line} — page {number} — É ≥ ≤")
        canvas.rect(30, 30, 530, 780)
        canvas.showPage()
    canvas.save()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a 60-bed hospital (make bench)")
    parser.add_argument("--data-dir", type=Path, help="an existing demo instance to use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-kits-") as tmp:
        root = Path(tmp)
        beds = 60 if args.small else 869
        if args.data_dir is None:
            started = time.perf_counter()
            data = build_demo(root, beds)
            print(f"demo hospital of {beds} beds built in {time.perf_counter() - started:.1f} s")
        else:
            data = args.data_dir.expanduser().absolute()
        unit = largest_unit(data)
        kits, pages, seconds, wall = kits_build(data, root / "one", "--unit", unit)
        base = baseline(pages, root / "base-one.pdf")
        print(
            f"one unit ({unit}): {pages} pages in {seconds:.2f} s (wall {wall:.2f} s with "
            f"start-up); baseline loop {base:.2f} s; ratio {seconds / base:.2f}; target < 2 s"
        )
        kits, pages, seconds, wall = kits_build(data, root / "all", "--all")
        base = baseline(pages, root / "base-all.pdf")
        print(
            f"every unit: {kits} kits, {pages} pages in {seconds:.2f} s (wall {wall:.2f} s, "
            f"{pages / seconds:.0f} pages/s); baseline loop (one core) {base:.2f} s; "
            f"ratio {seconds / base:.2f}; target < 30 s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
