"""The ``autarcie`` command line: noun, then verb; every command takes ``--data-dir``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autarcie import __version__

Handler = Callable[[argparse.Namespace], int]
DEMO_MARKER = ".autarcie-demo"


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the instance's data directory (default: $AUTARCIE_DATA_DIR, else ./var)",
    )


def setup_django(
    data_dir: Path | None, *, mode: str | None = None, must_exist: bool = True
) -> None:
    """Point the settings at the data directory, then start Django."""
    from autarcie.core.errors import ConfigurationError

    if data_dir is not None:
        os.environ["AUTARCIE_DATA_DIR"] = str(data_dir.expanduser().absolute())
    folder = Path(os.environ.get("AUTARCIE_DATA_DIR", "./var")).expanduser().absolute()
    if must_exist and not (folder / "secret_key").exists():
        raise ConfigurationError(
            f"no Autarcie instance in {folder}: check --data-dir, or run 'autarcie init'"
        )
    if mode is not None:
        os.environ["AUTARCIE_MODE"] = mode
    elif "AUTARCIE_MODE" not in os.environ and (folder / DEMO_MARKER).exists():
        # A folder built by `autarcie demo` says so; its key sits beside it (demo mode only).
        os.environ["AUTARCIE_MODE"] = "demo"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autarcie.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    from autarcie.core import commands as core_commands
    from autarcie.core import token_commands, unit_commands
    from autarcie.crisis import commands as crisis_commands
    from autarcie.demo import commands as demo_commands
    from autarcie.kits import commands as kits_commands
    from autarcie.mirror import admin_commands as mirror_admin_commands
    from autarcie.mirror import commands as mirror_commands
    from autarcie.mirror import fhir_commands as mirror_fhir_commands
    from autarcie.recovery import commands as recovery_commands
    from autarcie.resilience import commands as resilience_commands

    parser = argparse.ArgumentParser(
        prog="autarcie",
        description="Autarcie keeps patient care running when the hospital's information "
        "system is down. Commands are 'noun verb'; each takes --data-dir.",
    )
    parser.add_argument("--version", action="version", version=f"autarcie {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in (
        core_commands.register,
        token_commands.register,
        unit_commands.register,
        mirror_admin_commands.register,
        mirror_commands.register,
        mirror_fhir_commands.register,
        demo_commands.register,
        crisis_commands.register,
        kits_commands.register,
        resilience_commands.register,
        recovery_commands.register,
    ):
        register(sub, _add_data_dir)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    from autarcie.core.errors import AutarcieError

    # Databases, keys, kits and exports hold patient data: nothing we write is world-readable.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (AutarcieError, ImproperlyConfigured) as exc:
        print(f"autarcie: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autarcie: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
