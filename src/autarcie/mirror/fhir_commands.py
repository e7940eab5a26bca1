"""Commands ``fhir import``, ``fhir pull`` and ``csv import-census``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    fhir = sub.add_parser("fhir", help="import FHIR files or pull a Bulk $export")
    fsub = fhir.add_subparsers(dest="verb", metavar="VERB", required=True)
    imp = fsub.add_parser(
        "import",
        help="import NDJSON files (.ndjson[.gz]), JSON Bundles or single resources (.json[.gz]), "
        "or folders of them",
    )
    add_data_dir(imp)
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _mapping_options(imp)
    imp.set_defaults(handler=cmd_fhir_import)

    pull = fsub.add_parser("pull", help="run (or resume) a Bulk Data $export and import it")
    add_data_dir(pull)
    pull.add_argument("--base", required=True, help="the FHIR server's base URL")
    pull.add_argument(
        "--since",
        default="auto",
        help="'auto' (the last export's transactionTime), an instant, or 'all'",
    )
    pull.add_argument("--token-file", type=Path, help="file holding a Bearer access token")
    pull.add_argument("--type", default="", help="resource types, comma-separated (_type)")
    _mapping_options(pull)
    pull.set_defaults(handler=cmd_fhir_pull)

    csv_cmd = sub.add_parser("csv", help="import CSV exports of the HIS")
    csub = csv_cmd.add_subparsers(dest="verb", metavar="VERB", required=True)
    census = csub.add_parser("import-census", help="import a census of present patients")
    add_data_dir(census)
    census.add_argument("file", type=Path, metavar="FILE")
    census.add_argument(
        "--authority",
        default="",
        help="assigning authority of both the IPP and the NDA (the FINESS)",
    )
    census.add_argument(
        "--ipp-authority",
        default="",
        help="assigning authority of the IPP column (PID-3); default: --authority, else the "
        "only one the mirror's patients have",
    )
    census.add_argument(
        "--nda-authority",
        default="",
        help="assigning authority of the NDA column (PID-18); default: --authority, else the "
        "only one the mirror's stays have, else the IPP's",
    )
    census.set_defaults(handler=cmd_csv_census)


def _mapping_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ipp-system",
        action="append",
        default=[],
        help="identifier system of the hospital's IPP (repeatable; type PI is always accepted)",
    )
    parser.add_argument(
        "--sender", default="", help="name this source in the inbound log (default: the origin)"
    )


def _setup(args: argparse.Namespace) -> None:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)


def _progress(count: int, seconds: float) -> None:
    rate = count / seconds if seconds else 0.0
    print(f"\r{count:,} resources, {rate:,.0f}/s", end="", file=sys.stderr, flush=True)


def _print_summary(lines: list[str]) -> None:
    print(file=sys.stderr)
    for line in lines:
        print(line)


def cmd_fhir_import(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror.fhir_import import DEFAULT_SENDER, import_paths
    from autarcie.mirror.fhir_map import Options

    summary = import_paths(
        args.paths,
        sender=args.sender or DEFAULT_SENDER,
        options=Options(frozenset(args.ipp_system)),
        progress=_progress,
    )
    _print_summary(summary.lines())
    if summary.skipped:
        print(f"left aside (not FHIR NDJSON or JSON): {', '.join(summary.skipped)}")
    return 0 if summary.total("read") else 1


def _token(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the token file {path}: {exc.strerror}") from exc


def cmd_fhir_pull(args: argparse.Namespace) -> int:
    token = _token(args.token_file)
    _setup(args)
    from django.conf import settings

    from autarcie.mirror.bulk import BulkClient, pull
    from autarcie.mirror.fhir_import import Importer
    from autarcie.mirror.fhir_map import Options

    since = "" if args.since == "all" else args.since
    importer = Importer(
        sender=args.sender or args.base.rstrip("/"),
        options=Options(frozenset(args.ipp_system)),
        progress=_progress,
    )
    result = pull(
        base=args.base,
        since=since,
        types=[t for t in args.type.split(",") if t],
        workdir=Path(settings.DATA_DIR) / "fhir-pull",
        client=BulkClient(args.base, token),
        importer=importer,
        say=lambda text: print(text, file=sys.stderr),
    )
    summary = importer.finish(f"pull {args.base.rstrip('/')}")
    _print_summary(summary.lines())
    print(f"export complete: {result.files} files, transactionTime {result.transaction_time}")
    return 0


def _only_authority() -> str:
    from autarcie.mirror.models import Patient

    found = list(Patient.objects.values_list("authority", flat=True).distinct()[:2])
    if len(found) != 1:
        raise ConfigurationError(
            "give --authority or --ipp-authority (the FINESS or OID of the IPP): the mirror "
            f"holds {len(found) or 'no'} authorities to choose from"
        )
    return found[0]


def _only_nda_authority(fallback: str) -> str:
    """The one authority of the stays already held (a stay's rkey is ``authority|nda``)."""
    from autarcie.mirror.models import Stay

    found: set[str] = set()
    for rkey in Stay.objects.values_list("rkey", flat=True).iterator():
        found.add(rkey.rpartition("|")[0])
        if len(found) > 1:
            raise ConfigurationError(
                "give --nda-authority (the FINESS or OID of the NDA): the mirror's stays "
                "have several authorities to choose from"
            )
    return found.pop() if found else fallback


def cmd_csv_census(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror.census_csv import import_census

    ipp = args.ipp_authority or args.authority or _only_authority()
    nda = args.nda_authority or args.authority or _only_nda_authority(ipp)
    summary = import_census(args.file, ipp, nda)
    print(summary.line())
    for reason, n in summary.reasons.most_common(10):
        print(f"    rejected {n}: {reason}")
    return 0
