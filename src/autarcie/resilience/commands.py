"""Self-resilience commands: backup create|verify|restore|drill|schedule, keys …, check."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autarcie.core.errors import ConfigurationError

if TYPE_CHECKING:
    from autarcie.resilience.backup import RestorePlan

AddDataDir = Callable[[argparse.ArgumentParser], None]
ACTOR = "system:cli"


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    backup = sub.add_parser("backup", help="encrypted backups: create, verify, restore, drill")
    bsub = backup.add_subparsers(dest="verb", metavar="VERB", required=True)
    create = bsub.add_parser("create", help="write an encrypted snapshot of the running instance")
    add_data_dir(create)
    create.add_argument("--out", type=Path, required=True, help="the backup file to write")
    _backup_key_option(create)
    create.set_defaults(handler=cmd_backup_create)
    verify = bsub.add_parser("verify", help="check a backup (key, every byte) without restoring")
    add_data_dir(verify)
    verify.add_argument("file", type=Path)
    _backup_key_option(verify)
    verify.set_defaults(handler=cmd_backup_verify)
    restore = bsub.add_parser("restore", help="restore a backup into a new data directory")
    add_data_dir(restore)
    restore.add_argument("file", type=Path)
    restore.add_argument("--key-file", type=Path, help="new database key file to write")
    _backup_key_option(restore)
    restore.set_defaults(handler=cmd_backup_restore)
    drill = bsub.add_parser("drill", help="restore the latest backup aside, verify it, time it")
    add_data_dir(drill)
    drill.add_argument("--from", dest="source", type=Path, help="this backup, not the latest")
    drill.set_defaults(handler=cmd_backup_drill)
    schedule = bsub.add_parser("schedule", help="run the backup schedule (serve starts it)")
    add_data_dir(schedule)
    schedule.add_argument("--stop-with-parent", action="store_true", help=argparse.SUPPRESS)
    schedule.set_defaults(handler=cmd_backup_schedule)

    from autarcie.resilience import key_commands

    key_commands.register(sub, add_data_dir)

    from autarcie.resilience import satellite_commands

    satellite_commands.register(sub, add_data_dir)

    check = sub.add_parser("check", help="the instance's health; exit 1 if it needs a person")
    add_data_dir(check)
    check.add_argument("--json", action="store_true", help="print JSON instead of lines")
    check.set_defaults(handler=cmd_check)


def _backup_key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backup-key-file", type=Path, help="the backup key (else AUTARCIE_BACKUP_KEY_FILE)"
    )


def _setup(args: argparse.Namespace, *, must_exist: bool = True) -> None:
    from autarcie.cli import setup_django

    setup_django(args.data_dir, must_exist=must_exist)


class ProgressBar:
    """A bar on a terminal's stderr; nothing when stderr is a file or a pipe."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.shown or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        rate = done / 1e6 / max(now - self.started, 1e-6)
        print(
            f"\r{self.label} [{bar:<30}] {share:4.0%} {done / 1e6:,.0f} MB ({rate:,.0f} MB/s)",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def cmd_backup_create(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.backup import create_backup

    bar = ProgressBar("backup")
    started = time.monotonic()
    try:
        run = create_backup(
            args.out, actor=ACTOR, backup_key_file=args.backup_key_file, progress=bar
        )
    finally:
        bar.close()
    print(
        f"backup written to {args.out}: {run.size / 1e6:.1f} MB, journal head {run.head_seq}, "
        f"{time.monotonic() - started:.1f} s"
    )
    return 0


def _backup_key(args: argparse.Namespace) -> bytes:
    from django.conf import settings

    from autarcie.resilience.keyfiles import read_backup_key

    return read_backup_key(args.backup_key_file or settings.BACKUP_KEY_FILE)


def cmd_backup_verify(args: argparse.Namespace) -> int:
    _setup(args, must_exist=False)
    from autarcie.resilience.backup import verify_backup

    bar = ProgressBar("verify")
    try:
        manifest = verify_backup(args.file, _backup_key(args), progress=bar)
    finally:
        bar.close()
    rows = sum(manifest.counts.values())
    print(
        f"backup OK: taken {manifest.created_at}, {len(manifest.members)} member(s), "
        f"{rows} rows in {len(manifest.counts)} tables, journal head {manifest.head_seq}"
    )
    return 0


def _restore_target(args: argparse.Namespace) -> Path:
    if args.data_dir is None:
        raise ConfigurationError("give --data-dir: the new folder to restore into")
    target = Path(args.data_dir).expanduser().absolute()
    if args.key_file is not None:
        os.environ["AUTARCIE_DB_KEY_FILE"] = str(args.key_file.expanduser().absolute())
    return target


def cmd_backup_restore(args: argparse.Namespace) -> int:
    target = _restore_target(args)
    _setup(args, must_exist=False)
    from autarcie.core import journal
    from autarcie.resilience import actions
    from autarcie.resilience.backup import restore_files

    plan = _restore_plan(target)
    backup_key = _backup_key(args)
    bar = ProgressBar("restore")
    started = time.monotonic()
    try:
        manifest = restore_files(args.file, key=backup_key, plan=plan, progress=bar)
    finally:
        bar.close()
    result = journal.verify()
    if not result.ok or (result.entries, result.head_hash) != (
        manifest.head_seq,
        manifest.head_hash,
    ):
        print(f"restored, but the journal does not verify: {result.reason}", file=sys.stderr)
        return 1
    actions.record_restored(actor=ACTOR, file=args.file.name, manifest=manifest.data)
    where = (
        f"new database key in {plan.db_key_file}"
        if plan.server is None
        else f"database {plan.server.dbname}"
    )
    print(
        f"restored backup of {manifest.created_at} into {target} in "
        f"{time.monotonic() - started:.1f} s: journal OK ({result.entries} entries), row counts "
        f"match; {where}"
    )
    return 0


def _restore_plan(target: Path) -> RestorePlan:
    """SQLCipher: a fresh key file; PostgreSQL: the (empty) database POSTGRES_DB names."""
    from django.conf import settings

    from autarcie.resilience.backup import RestorePlan
    from autarcie.resilience.pgdump import Server

    if settings.DB_ENGINE == "postgres":
        return RestorePlan(target, None, settings.KITS_DIR, Server.from_settings())
    key_file = settings.DB_KEY_FILE
    if key_file is None:
        raise ConfigurationError("give --key-file (or AUTARCIE_DB_KEY_FILE) for the new key")
    if settings.MODE == "production" and key_file.is_relative_to(target):
        raise ConfigurationError(f"the key file {key_file} must not be inside {target}")
    return RestorePlan(target=target, db_key_file=key_file, kits_dir=settings.KITS_DIR)


def cmd_backup_drill(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.drill import run_drill

    report = run_drill(args.source, actor=ACTOR)
    print("\n".join(report.lines))
    print(f"drill {'PASSED' if report.ok else 'FAILED'}: {report.file}")
    return 0 if report.ok else 1


def cmd_backup_schedule(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.scheduler import serve_scheduler

    serve_scheduler(stop_with_parent=args.stop_with_parent)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _setup(args)
    import json

    from autarcie.resilience.health import collect

    health = collect()
    if args.json:
        print(json.dumps(health.as_dict(), indent=1))
    else:
        print("\n".join(health.lines()))
    return 1 if health.needs_person else 0
