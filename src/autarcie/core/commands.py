"""Core commands: init, serve, createuser, journal verify|export|head."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    init = sub.add_parser("init", help="create the data directory, key, schema and first admin")
    add_data_dir(init)
    init.add_argument("--admin-username", default="admin", help="first administrator's name")
    init.add_argument(
        "--admin-password-file",
        type=Path,
        help="file holding the first administrator's password (else asked interactively)",
    )
    init.add_argument("--key-file", type=Path, help="database key file (else AUTARCIE_DB_KEY_FILE)")
    init.set_defaults(handler=cmd_init)

    serve = sub.add_parser("serve", help="serve the web interface (and the HL7 listener)")
    add_data_dir(serve)
    serve.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default %(default)s)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument(
        "--threads",
        type=int,
        default=2,
        help="request threads per worker (default 2; more only for slow clients, see operations)",
    )
    serve.add_argument("--tls-cert", type=Path, help="TLS certificate (PEM) to serve HTTPS")
    serve.add_argument("--tls-key", type=Path, help="TLS private key (PEM)")
    serve.add_argument(
        "--hl7-port", type=int, help="also run the HL7 MLLP listener on this port (same host)"
    )
    serve.set_defaults(handler=cmd_serve)

    create = sub.add_parser("createuser", help="create a user account")
    add_data_dir(create)
    create.add_argument("username")
    create.add_argument("--role", action="append", required=True, help="a role (repeatable)")
    scope = create.add_mutually_exclusive_group()
    scope.add_argument("--unit", action="append", default=[], help="a unit code (repeatable)")
    scope.add_argument("--all-units", action="store_true", help="every unit")
    create.add_argument("--full-name", default="")
    create.add_argument("--password-file", type=Path, required=True)
    create.set_defaults(handler=cmd_createuser)

    journal = sub.add_parser("journal", help="verify or export the tamper-evident journal")
    jsub = journal.add_subparsers(dest="verb", metavar="VERB", required=True)
    verify = jsub.add_parser("verify", help="check the whole hash chain")
    add_data_dir(verify)
    verify.set_defaults(handler=cmd_journal_verify)
    export = jsub.add_parser("export", help="write every entry as JSON lines")
    add_data_dir(export)
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(handler=cmd_journal_export)
    head = jsub.add_parser("head", help="print the current head hash (a witness to keep)")
    add_data_dir(head)
    head.set_defaults(handler=cmd_journal_head)


def read_password_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the password file {path}: {exc.strerror}") from exc
    return text.rstrip("\r\n")


def _prepare_data_dir(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    secret = data_dir / "secret_key"
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")


def _resolve_data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir).expanduser().absolute()
    return Path(os.environ.get("AUTARCIE_DATA_DIR", "./var")).expanduser().absolute()


def initialise(data_dir: Path, *, key_file: Path | None = None, mode: str | None = None) -> bool:
    """Create or upgrade an instance; return True when the key was created now."""
    from autarcie.cli import setup_django

    if key_file is not None:
        os.environ["AUTARCIE_DB_KEY_FILE"] = str(key_file.expanduser().absolute())
    _prepare_data_dir(data_dir)
    setup_django(data_dir, mode=mode, must_exist=False)
    from django.conf import settings
    from django.core.management import call_command

    from autarcie.core import keys
    from autarcie.core.journal import Action, record

    if settings.DB_KEY_FILE is None:
        raise ConfigurationError("set AUTARCIE_DB_KEY_FILE (or --key-file) to the key file")
    if settings.MODE == "production" and settings.DB_KEY_FILE.resolve().is_relative_to(
        data_dir.resolve()
    ):
        raise ConfigurationError(
            f"the key file {settings.DB_KEY_FILE} must not be inside the data directory"
        )
    created = not settings.DB_KEY_FILE.exists()
    if created:
        keys.create_key_file(settings.DB_KEY_FILE)
    call_command("migrate", verbosity=0, interactive=False)
    if created:
        record(Action.KEY_CREATED, actor="system:init", details={"kind": "database"})
        record(Action.INSTANCE_INITIALISED, actor="system:init", details={"mode": settings.MODE})
    # The backup key (self-resilience): separate from the database key, created once.
    backup_key = settings.BACKUP_KEY_FILE
    if backup_key is not None and not backup_key.exists():
        keys.create_key_file(backup_key)
        record(Action.KEY_CREATED, actor="system:init", details={"kind": "backup"})
    return created


def cmd_init(args: argparse.Namespace) -> int:
    data_dir = _resolve_data_dir(args)
    password = None
    if args.admin_password_file:
        password = read_password_file(args.admin_password_file)
    initialise(data_dir, key_file=args.key_file)
    from autarcie.core import actions
    from autarcie.core.models import User
    from autarcie.core.roles import Role

    if not User.objects.filter(username=args.admin_username).exists():
        if password is None:
            if not sys.stdin.isatty():
                raise ConfigurationError("give --admin-password-file (no terminal to ask on)")
            password = getpass.getpass(f"Password for {args.admin_username}: ")
        actions.create_user(
            actor="system:init",
            username=args.admin_username,
            password=password,
            roles=[Role.ADMIN],
            all_units=True,
        )
        print(f"created administrator {args.admin_username}; enrol its second factor at login")
    print(f"instance ready in {data_dir}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from autarcie.core.server import serve

    return serve(
        _resolve_data_dir(args),
        bind=args.bind,
        workers=args.workers,
        threads=args.threads,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        hl7_port=args.hl7_port,
    )


def cmd_createuser(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    password = read_password_file(args.password_file)
    setup_django(_resolve_data_dir(args))
    from autarcie.core import actions

    roles = actions.parse_roles(args.role)
    units = actions.resolve_units(args.unit)
    actions.create_user(
        actor="system:cli",
        username=args.username,
        password=password,
        roles=roles,
        units=units,
        all_units=args.all_units,
        full_name=args.full_name,
    )
    print(f"created {args.username} ({', '.join(r.value for r in roles)})")
    return 0


def cmd_journal_verify(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(_resolve_data_dir(args))
    from autarcie.core import journal

    result = journal.verify()
    if result.ok:
        print(f"journal OK: {result.entries} entries, head {result.head_hash}")
        return 0
    print(f"journal BROKEN at entry {result.bad_seq}: {result.reason}", file=sys.stderr)
    return 1


def cmd_journal_export(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(_resolve_data_dir(args))
    from autarcie.core import journal

    count = journal.export_to_file(args.out, actor="system:cli")
    print(f"exported {count} entries to {args.out}")
    return 0


def cmd_journal_head(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    setup_django(_resolve_data_dir(args))
    from autarcie.core import journal

    head = journal.head()
    print(f"{head.seq} {head.hash}")
    return 0
