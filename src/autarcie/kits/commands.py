"""``autarcie kits build`` and ``autarcie kits schedule``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    kits = sub.add_parser("kits", help="paper kits: build them, or run their scheduler")
    verbs = kits.add_subparsers(dest="verb", metavar="VERB", required=True)
    build = verbs.add_parser(
        "build",
        help="build the paper kit of one unit or of every unit",
        description="Writes OUT/<unit>/<build id>/ with the kit, the 72 h grid and the labels.",
    )
    add_data_dir(build)
    which = build.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", metavar="CODE", help="the unit's code")
    which.add_argument("--all", action="store_true", help="every unit, on every core")
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    build.add_argument("--zip", type=Path, metavar="FILE", help="also write an AES-256 zip")
    build.add_argument(
        "--password-file", type=Path, metavar="F", help="the zip password (else asked twice)"
    )
    build.add_argument("--print", action="store_true", help="send each kit to its unit's printer")
    build.set_defaults(handler=cmd_build)
    schedule = verbs.add_parser(
        "schedule",
        help="rebuild kits on schedule (started by 'autarcie serve'; one per instance)",
    )
    add_data_dir(schedule)
    schedule.add_argument(
        "--stop-with-parent", action="store_true", help="stop when standard input closes"
    )
    schedule.set_defaults(handler=cmd_schedule)


def _password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        try:
            return str(args.password_file.read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise ConfigurationError(f"cannot read {args.password_file}: {exc.strerror}") from exc
    if not sys.stdin.isatty():
        raise ConfigurationError("give --password-file, or run on a terminal to type it")
    first = getpass.getpass("Mot de passe de l'archive : ")
    if getpass.getpass("Confirmez : ") != first:
        raise ConfigurationError("the two passwords differ; nothing was written")
    return first


def cmd_build(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from autarcie.kits.service import build_from_cli

    password = _password(args) if args.zip is not None else None
    return build_from_cli(
        unit_code=args.unit,
        out_dir=args.out.expanduser().absolute(),
        zip_path=args.zip,
        password=password,
        print_kits=args.print,
    )


def cmd_schedule(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)
    from django.conf import settings

    from autarcie.kits.scheduler import run_scheduler

    if int(settings.KITS_EVERY_MINUTES) == 0:
        print("kit scheduler disabled (AUTARCIE_KITS_EVERY_MINUTES=0)", file=sys.stderr)
        return 0
    from autarcie.core.schedule import stop_event

    stop = stop_event(stop_with_parent=args.stop_with_parent, name="kits")
    try:
        run_scheduler(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0
