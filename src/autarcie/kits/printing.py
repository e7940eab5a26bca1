"""Send a kit to a unit's printer through CUPS ``lp``: the one wrapper around the printer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from autarcie.core.errors import AutarcieError, ConfigurationError

LP_TIMEOUT_SECONDS = 60


class PrintError(AutarcieError):
    """The print job was not accepted; the kit exists but is not on paper."""


def parse_printers(spec: str) -> dict[str, str]:
    """``"2010=cardio-laser,URG=urg-1"`` -> {unit code: CUPS printer name}; ``*`` is any unit."""
    printers: dict[str, str] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        unit, sep, printer = item.partition("=")
        if not sep or not unit.strip() or not printer.strip():
            raise ConfigurationError(
                f"AUTARCIE_KITS_PRINTERS entry {item!r} must be UNIT=PRINTER (or *=PRINTER)"
            )
        printers[unit.strip()] = printer.strip()
    return printers


def printer_for(unit_code: str, printers: dict[str, str]) -> str | None:
    return printers.get(unit_code) or printers.get("*")


def send(path: Path, printer: str, title: str) -> str:
    """Queue ``path`` on ``printer``; returns what lp answered (the request id)."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("lp not found: install Debian's cups-client to print kits")
    try:
        done = subprocess.run(  # noqa: S603 (fixed program, our own arguments)
            [lp, "-d", printer, "-t", title, "--", str(path)],
            capture_output=True,
            text=True,
            timeout=LP_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PrintError(f"lp did not answer within {LP_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise PrintError(
            f"lp failed ({done.returncode}): {message[0] if message else 'no message'}"
        )
    return done.stdout.strip()
