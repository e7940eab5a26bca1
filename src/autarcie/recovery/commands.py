"""``autarcie export fhir|hl7|rpu|ror``, ``autarcie rpu check`` and ``autarcie recovery``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]
ACTOR = "system:recovery"


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time: {text!r}") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo("Europe/Paris"))
    return moment


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _export_parsers(sub: Any, add_data_dir: AddDataDir) -> None:
    export = sub.add_parser("export", help="hand the downtime records back (FHIR, HL7, RPU, ROR)")
    verbs = export.add_subparsers(dest="verb", metavar="VERB", required=True)
    fhir = verbs.add_parser("fhir", help="FHIR R4 transaction bundles, written and/or posted")
    add_data_dir(fhir)
    fhir.add_argument("--since", type=_moment, metavar="T", help="records written from T on")
    fhir.add_argument("--out", type=Path, metavar="DIR", help="write one file per bundle")
    fhir.add_argument("--post", metavar="URL", help="POST each bundle to this FHIR base URL")
    fhir.set_defaults(handler=cmd_fhir)
    hl7 = verbs.add_parser("hl7", help="HL7 v2 messages over MLLP, one ACK at a time")
    add_data_dir(hl7)
    hl7.add_argument("--to", required=True, metavar="HOST:PORT", help="the HIS's MLLP listener")
    hl7.add_argument("--since", type=_moment, metavar="T", help="records written from T on")
    hl7.add_argument("--retries", type=int, default=5, help="reconnections before giving up")
    hl7.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each ACK")
    hl7.set_defaults(handler=cmd_hl7)
    rpu = verbs.add_parser("rpu", help="the daily OSCOUR RPU files of the downtime")
    add_data_dir(rpu)
    rpu.add_argument("--from", dest="first", type=_day, required=True, metavar="D")
    rpu.add_argument("--to", dest="last", type=_day, required=True, metavar="D")
    rpu.add_argument("--out", type=Path, required=True, metavar="DIR")
    rpu.add_argument("--finess", help="the establishment (default: AUTARCIE_FINESS)")
    rpu.set_defaults(handler=cmd_rpu)
    ror = verbs.add_parser("ror", help="ROR DispoLits updates (FHIR Parameters) and CSV")
    add_data_dir(ror)
    ror.add_argument("--out", type=Path, required=True, metavar="DIR")
    ror.add_argument("--finess", help="the establishment (default: AUTARCIE_FINESS)")
    ror.set_defaults(handler=cmd_ror)


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    _export_parsers(sub, add_data_dir)
    rpu = sub.add_parser("rpu", help="RPU files")
    rpu_verbs = rpu.add_subparsers(dest="verb", metavar="VERB", required=True)
    check = rpu_verbs.add_parser("check", help="check RPU files, whoever wrote them")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(handler=cmd_rpu_check)
    recovery = sub.add_parser("recovery", help="the back-entry checklist and downtime report")
    verbs = recovery.add_subparsers(dest="verb", metavar="VERB", required=True)
    status = verbs.add_parser("checklist", help="what remains to hand back, per unit")
    add_data_dir(status)
    status.set_defaults(handler=cmd_checklist)
    report = verbs.add_parser("report", help="the PDF report of the downtime")
    add_data_dir(report)
    report.add_argument("--out", type=Path, required=True, metavar="FILE")
    report.set_defaults(handler=cmd_report)


def cmd_fhir(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from autarcie.recovery.exports import export_fhir

    summary = export_fhir(actor=ACTOR, since=args.since, out=args.out, post=args.post)
    print(summary.as_text())
    return 1 if summary.counts.get("rejected") else 0


def cmd_hl7(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from autarcie.recovery.exports import export_hl7, parse_destination

    host, port = parse_destination(args.to)
    summary = export_hl7(
        actor=ACTOR,
        host=host,
        port=port,
        since=args.since,
        retries=args.retries,
        ack_timeout=args.timeout,
    )
    print(summary.as_text())
    return 1 if summary.counts.get("rejected") or summary.counts.get("sent") else 0


def cmd_rpu(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from autarcie.recovery.files import export_rpu

    if args.first > args.last:
        raise ConfigurationError("--from is after --to")
    summary = export_rpu(
        actor=ACTOR, first=args.first, last=args.last, out=args.out, finess=args.finess
    )
    print(summary.as_text())
    return 0


def cmd_ror(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from autarcie.recovery.files import export_ror

    print(export_ror(actor=ACTOR, out=args.out, finess=args.finess).as_text())
    return 0


def cmd_rpu_check(args: argparse.Namespace) -> int:
    """Pure: no instance needed, any file from any producer."""
    from autarcie.recovery.rpu import check_file, format_report

    failed = 0
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path}: illisible ({exc.strerror})", file=sys.stderr)
            failed += 1
            continue
        report = check_file(data)
        print(format_report(report, path.name))
        failed += 0 if report.ok else 1
    return 1 if failed else 0


def cmd_checklist(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from autarcie.recovery.checklist import overview

    view = overview()
    for unit in view.units:
        lines = ", ".join(f"{label} {n}" for label, n in unit.count_lines())
        print(f"{unit.code} {unit.label}: {len(unit.remaining)} remaining ({lines})")
    print(f"total: {view.remaining} remaining of {view.total}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from django.conf import settings

    from autarcie.core import clock
    from autarcie.recovery.checklist import overview
    from autarcie.recovery.report import build_report

    view = overview()
    args.out.write_bytes(
        build_report(view, hospital=settings.HOSPITAL_NAME, generated_at=clock.now())
    )
    print(f"report written: {view.total} records, {view.remaining} remaining")
    return 0
