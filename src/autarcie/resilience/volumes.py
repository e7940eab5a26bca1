"""Is PostgreSQL's data directory on an encrypted (LUKS / dm-crypt) volume? Said honestly.

The answer is one of ``encrypted``, ``not encrypted`` or ``unknown`` with the reason: a remote
server, a data directory the database will not name, a container's overlay, missing tools.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

from autarcie.core.server import is_loopback


@dataclass(frozen=True)
class VolumeStatus:
    state: str  # "encrypted" | "not encrypted" | "unknown"
    text: str


def mount_of(path: str, mounts: str) -> tuple[str, str] | None:
    """The (device, mount point) holding ``path``, from the text of /proc/mounts."""
    best: tuple[str, str] | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        device, point = fields[0], fields[1].replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best[1])):
            best = (device, point)
    return best


def lsblk_says_crypt(output: str) -> bool | None:
    """From ``lsblk -s -n -r -o NAME,TYPE DEVICE``: is a crypt layer under the device?"""
    types = [line.split()[-1] for line in output.splitlines() if line.split()]
    if not types:
        return None
    return "crypt" in types


def _run(command: list[str]) -> str | None:
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 (fixed system tools, no shell)
            command, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def device_status(device: str) -> VolumeStatus:
    if not device.startswith("/dev/"):
        return VolumeStatus("unknown", f"the data directory is on {device}, not a block device")
    listing = _run(["lsblk", "-s", "-n", "-r", "-o", "NAME,TYPE", device])
    verdict = lsblk_says_crypt(listing) if listing is not None else None
    if verdict is None and device.startswith("/dev/mapper/"):
        table = _run(["dmsetup", "table", device.rsplit("/", 1)[1]])
        verdict = None if table is None else " crypt " in f" {table} "
    if verdict is None:
        return VolumeStatus("unknown", f"cannot tell whether {device} is encrypted")
    if verdict:
        return VolumeStatus("encrypted", f"{device} is on a dm-crypt (LUKS) layer")
    return VolumeStatus("not encrypted", f"{device} has no dm-crypt (LUKS) layer")


def postgres_volume() -> VolumeStatus:
    host = str(settings.DATABASES["default"].get("HOST") or "")
    if host and not host.startswith("/") and not is_loopback(host):
        return VolumeStatus("unknown", f"the server {host} is another machine: check it there")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            data_directory = str(cursor.fetchone()[0])
    except DatabaseError:
        return VolumeStatus("unknown", "the database role may not read data_directory")
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8")
    except OSError:
        return VolumeStatus("unknown", "the mount table cannot be read")
    found = mount_of(data_directory, mounts)
    if found is None:
        return VolumeStatus("unknown", "the data directory's mount was not found")
    return device_status(found[0])
