"""The database key: a random 256-bit raw key kept in a file outside the data directory."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from autarcie.core.errors import ConfigurationError, DatabaseKeyError

KEY_BYTES = 32
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


def create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600); refuse to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise DatabaseKeyError(f"the key file {path} already exists; it was not replaced") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")


def read_hex_key(
    path: Path | None,
    *,
    what: str = "database",
    setting: str = "AUTARCIE_DB_KEY_FILE",
    error: type[ConfigurationError] = DatabaseKeyError,
) -> str:
    """Return a key file's 64 lowercase hex digits, or raise one line naming the setting."""
    if path is None:
        raise error(f"no {what} key is configured: set {setting} to the key file")
    try:
        text = path.read_text(encoding="ascii").strip().lower()
    except FileNotFoundError as exc:
        raise error(f"the {what} key file {path} does not exist: check {setting}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"the {what} key file {path} cannot be read: {exc}") from exc
    if not _HEX_KEY.match(text):
        raise error(f"the {what} key file {path} does not hold a 256-bit key (64 hex digits)")
    return text


def read_key_file(path: Path | None) -> str:
    """The database key as 64 lowercase hex digits, or a one-line DatabaseKeyError."""
    return read_hex_key(path)


def key_file_is_private(path: Path) -> bool:
    """True when only the owner can read the key file."""
    return (path.stat().st_mode & 0o077) == 0


# --- key rotation (self-resilience): the new key is on disk before the database uses it ---


def pending_key_path(path: Path) -> Path:
    """Where a rotation writes the new key before ``PRAGMA rekey``: ``<key file>.new``."""
    return path.with_name(path.name + ".new")


def write_pending_key(path: Path, key_hex: str) -> Path:
    """Write ``<key file>.new`` (mode 0600) and fsync it and its folder; refuse to overwrite."""
    pending = pending_key_path(path)
    fd = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key_hex + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_folder(path.parent)
    return pending


def finish_rotation(path: Path) -> None:
    """Make the pending key the key file (atomic rename); another process may have done it."""
    try:
        os.replace(pending_key_path(path), path)
    except FileNotFoundError:
        return
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
