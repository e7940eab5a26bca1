"""Demo commands: build a demonstration instance with accounts for every role, then serve it."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.cli import DEMO_MARKER
from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    demo = sub.add_parser(
        "demo",
        help="build a demonstration hospital with accounts for every role, then serve it",
        description="Builds a fresh demonstration instance (fictitious data only) in the data "
        "directory, prints the accounts and serves it on http://127.0.0.1:8000.",
    )
    add_data_dir(demo)
    demo.add_argument(
        "action",
        nargs="?",
        choices=["generate", "downtime"],
        help="'generate': write the synthetic hospital's feeds into --out, nothing else; "
        "'downtime': freeze the demo built in --data-dir and record a downtime day in it",
    )
    demo.add_argument("--out", type=Path, help="with 'generate': the folder to write into")
    demo.add_argument("--hours", type=int, default=8, help="downtime hours to play (default 8)")
    demo.add_argument("--beds", type=int, default=869, help="number of beds (default 869)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.add_argument("--days", type=int, default=3, help="days of history (default 3)")
    demo.add_argument("--patients", type=int, default=0, help="extra historical patients")
    demo.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default %(default)s)")
    demo.add_argument("--no-serve", action="store_true", help="build, print the accounts, stop")
    demo.set_defaults(handler=cmd_demo)


def _demo_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir).expanduser().absolute()
    return Path(os.environ.get("AUTARCIE_DATA_DIR", "./var/demo")).expanduser().absolute()


def _wipe_previous(data_dir: Path) -> None:
    """Remove an earlier demo built here; refuse to touch anything that is not a demo."""
    if not data_dir.exists():
        return
    if not (data_dir / DEMO_MARKER).exists():
        if any(data_dir.iterdir()):
            raise ConfigurationError(
                f"{data_dir} exists and is not a demo folder: choose another --data-dir"
            )
        return
    shutil.rmtree(data_dir)
    data_dir.with_name(data_dir.name + ".key").unlink(missing_ok=True)


def cmd_downtime(args: argparse.Namespace) -> int:
    data_dir = _demo_dir(args)
    if not (data_dir / DEMO_MARKER).exists():
        raise ConfigurationError(f"{data_dir} holds no demo: run 'autarcie demo --no-serve' first")
    os.environ.pop("AUTARCIE_DB_KEY_FILE", None)  # the demo key lives beside the folder
    from autarcie.cli import setup_django

    setup_django(data_dir, mode="demo")
    from autarcie.demo.downtime import run_downtime

    print(run_downtime(hours=args.hours).as_text())
    return 0


def _progress(step: str, done: int, total: int) -> None:
    print(f"\r{step}: {done}/{total}", end="", file=sys.stderr, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    """The feeds alone, as files: no database, no instance."""
    if args.out is None:
        raise ConfigurationError("'demo generate' needs --out DIR")
    if args.beds < 10:
        raise ConfigurationError("--beds must be at least 10")
    from autarcie.demo.synth import generate

    summary = generate(
        args.out,
        beds=args.beds,
        patients=args.patients,
        seed=args.seed,
        days=args.days,
        progress=_progress,
    )
    hl7 = sum(summary.hl7_messages.values())
    fhir = sum(summary.fhir_resources.values())
    print(file=sys.stderr)
    print(
        f"wrote {args.out}: {len(summary.units)} units, {hl7} HL7 messages, {fhir} FHIR "
        f"resources, {summary.census_rows} census rows, {summary.inventory_rows} inventory rows"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.action == "generate":
        return cmd_generate(args)
    if args.action == "downtime":
        return cmd_downtime(args)
    if args.beds < 10:
        raise ConfigurationError("--beds must be at least 10")
    data_dir = _demo_dir(args)
    _wipe_previous(data_dir)
    os.environ.pop("AUTARCIE_DB_KEY_FILE", None)  # the demo key lives beside the folder
    from autarcie.core.commands import initialise

    initialise(data_dir, mode="demo")
    (data_dir / DEMO_MARKER).write_text("built by autarcie demo\n", encoding="utf-8")
    from autarcie.demo.instance import build_demo

    accounts = build_demo(
        data_dir, beds=args.beds, seed=args.seed, days=args.days, patients=args.patients
    )
    print(accounts.as_text(), flush=True)
    print(
        f"warning: demo key file {data_dir}.key sits beside the data folder; "
        "production keeps it on another volume",
        file=sys.stderr,
    )
    if args.no_serve:
        return 0
    from autarcie.core.server import serve

    return serve(data_dir, bind=args.bind, workers=2, tls_cert=None, tls_key=None)
