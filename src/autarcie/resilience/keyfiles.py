"""Key files of self-resilience: the backup key, its retirement, and the database key's rotation."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autarcie.core import keys
from autarcie.core.errors import ConfigurationError, DatabaseKeyError
from autarcie.resilience import snapshot


def read_backup_key(path: Path | None) -> bytes:
    """The 32-byte backup key, or a one-line error naming the setting."""
    text = keys.read_hex_key(
        path,
        what="backup",
        setting="AUTARCIE_BACKUP_KEY_FILE (or --backup-key-file)",
        error=ConfigurationError,
    )
    return bytes.fromhex(text)


def write_new_key(path: Path, key_hex: str) -> None:
    """Create a key file (mode 0600, fsynced); refuse to replace one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigurationError(
            f"the key file {path} already exists; it was not replaced"
        ) from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key_hex + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def retired_name(path: Path, today: dt.date) -> Path:
    """``<key file>.retired-YYYYMMDD`` (with ``-2``, ``-3``… if rotated twice in a day)."""
    base = path.with_name(f"{path.name}.retired-{today:%Y%m%d}")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def rotate_backup_key(path: Path, today: dt.date) -> Path:
    """Write a new backup key; keep the old one, mode 0600, as ``<file>.retired-<date>``.

    Older backups open only with the retired key: it must be kept as long as they are.
    """
    read_backup_key(path)  # the current key must be sound before it is retired
    pending = keys.pending_key_path(path)
    pending.unlink(missing_ok=True)  # a rotation that died before its rename: never used
    write_new_key(pending, secrets.token_hex(32))
    retired = retired_name(path, today)
    os.link(path, retired)
    os.chmod(retired, 0o600)
    keys.finish_rotation(path)
    return retired


@contextmanager
def rotation_lock(data_dir: Path) -> Iterator[None]:
    """One rotation at a time per instance."""
    with (data_dir / "keys.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ConfigurationError("another key rotation is running on this instance") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rotate_database_key(db_path: Path, key_file: Path) -> None:
    """New key to ``<key file>.new`` (fsync), ``PRAGMA rekey``, then the atomic rename.

    A crash after the rekey and before the rename is finished by the backend at next open.
    """
    pending = keys.pending_key_path(key_file)
    old = keys.read_key_file(key_file)
    if pending.exists():
        # The current key opens the database (checked below), so this one was never used.
        snapshot.open_raw(db_path, old).close()
        pending.unlink()
    new = secrets.token_hex(32)
    keys.write_pending_key(key_file, new)
    try:
        snapshot.rekey(db_path, old, new)
    except DatabaseKeyError:
        if _opens(db_path, old):
            pending.unlink(missing_ok=True)  # nothing changed; otherwise the backend finishes
        raise
    keys.finish_rotation(key_file)


def _opens(db_path: Path, key_hex: str) -> bool:
    try:
        snapshot.open_raw(db_path, key_hex).close()
    except DatabaseKeyError:
        return False
    return True
