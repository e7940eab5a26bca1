"""What ``kits build`` does: choose units, build, optionally print and zip, then summarise."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.conf import settings

from autarcie.core.errors import AutarcieError
from autarcie.core.models import Unit
from autarcie.kits import actions
from autarcie.kits.archive import encrypted_zip
from autarcie.kits.builder import BuildReport, ProgressBar, build_unit, build_units
from autarcie.kits.printing import PrintError, parse_printers, printer_for, send

ACTOR = "system:kits-cli"


def _units(unit_code: str | None) -> list[Unit]:
    if unit_code is None:
        return list(Unit.objects.order_by("code"))
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise AutarcieError(f"no unit with code {unit_code!r}: see the units in the admin pages")
    return [unit]


def _print(report: BuildReport) -> list[str]:
    printers = parse_printers(str(settings.KITS_PRINTERS))
    failed = []
    for build in report.built:
        printer = printer_for(build.unit_code, printers)
        if printer is None:
            failed.append(f"{build.unit_code}: no printer in AUTARCIE_KITS_PRINTERS")
            continue
        try:
            send(Path(build.folder) / build.file_names()[0], printer, f"Kit {build.unit_code}")
        except PrintError as exc:
            actions.record_print(actor=ACTOR, build=build, printer=printer, error=str(exc))
            failed.append(f"{build.unit_code}: {exc}")
            continue
        actions.record_print(actor=ACTOR, build=build, printer=printer)
    return failed


def build_from_cli(
    *,
    unit_code: str | None,
    out_dir: Path,
    zip_path: Path | None,
    password: str | None,
    print_kits: bool,
) -> int:
    started = time.monotonic()
    units = _units(unit_code)
    bar = ProgressBar()
    if len(units) == 1:
        report = BuildReport([build_unit(units[0], actor=ACTOR, out_dir=out_dir)], [])
        bar(1, 1, sum(int(f["pages"]) for f in report.built[0].files))
    else:
        report = build_units(units, actor=ACTOR, out_dir=out_dir, workers=2, progress=bar)
    problems = list(report.failures)
    if print_kits:
        problems += _print(report)
    if zip_path is not None and password is not None and report.built:
        folders = [Path(b.folder) for b in report.built]
        encrypted_zip(zip_path.expanduser().absolute(), out_dir, folders, password)
        actions.record_archive(
            actor=ACTOR, build_ids=[b.build_id for b in report.built], archive_name=zip_path.name
        )
    pages = sum(int(f["pages"]) for b in report.built for f in b.files)
    print(
        f"{len(report.built)} kit(s), {pages} pages in {time.monotonic() - started:.1f} s "
        f"-> {out_dir}",
        file=sys.stderr,
    )
    for problem in problems:
        print(f"autarcie: error: {problem}", file=sys.stderr)
    return 1 if problems else 0
