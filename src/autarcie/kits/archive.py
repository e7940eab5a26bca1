"""An AES-256 encrypted zip of kits for a USB key, written by 7-Zip (opens with any 7-Zip)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from autarcie.core.errors import AutarcieError

ZIP_TIMEOUT_SECONDS = 600
MIN_PASSWORD = 12


class ArchiveError(AutarcieError):
    """The encrypted archive could not be written."""


def seven_zip() -> str:
    for name in ("7zz", "7z"):
        found = shutil.which(name)
        if found:
            return found
    raise ArchiveError("7-Zip not found: install Debian's 7zip package to write encrypted kits")


def encrypted_zip(archive: Path, root: Path, members: Sequence[Path], password: str) -> None:
    """Zip ``members`` (paths under ``root``) with AES-256; the password goes through stdin,
    never the command line, where any local user could read it."""
    if len(password) < MIN_PASSWORD:
        raise ArchiveError(f"the archive password needs at least {MIN_PASSWORD} characters")
    if "\n" in password or "\r" in password:
        raise ArchiveError("the archive password must fit on one line")
    if archive.exists():
        raise ArchiveError(f"{archive.name} already exists: choose another name")
    names = [str(m.relative_to(root)) for m in members]
    command = [seven_zip(), "a", "-tzip", "-mem=AES256", "-mx=1", "-p", "-bso0", "-bsp0"]
    command += ["--", str(archive.absolute()), *names]
    try:
        done = subprocess.run(  # noqa: S603 (fixed program, our own arguments)
            command,
            input=password + "\n",
            cwd=root,
            capture_output=True,
            text=True,
            timeout=ZIP_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        archive.unlink(missing_ok=True)
        raise ArchiveError("7-Zip did not finish in time; no archive kept") from exc
    if done.returncode != 0:
        archive.unlink(missing_ok=True)
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ArchiveError(f"7-Zip failed: {lines[-1] if lines else done.returncode}")
