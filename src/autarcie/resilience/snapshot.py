"""A consistent, still-encrypted copy of the live SQLCipher database, taken without stopping it.

``sqlcipher_export`` copies every table into an attached database keyed with a fresh random
key, inside one read transaction on the live file: in WAL mode that transaction sees one
committed state and blocks no writer. SQLite's online ``backup()`` API would need both
databases under the same key and restarts its copy whenever a writer commits; the export
needs neither. The copy is never plaintext, not even for a moment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as Database

from autarcie.core.errors import DatabaseKeyError

JOURNAL_HEAD_TABLE = "core_journalhead"


@dataclass(frozen=True)
class Snapshot:
    path: Path
    key_hex: str
    counts: dict[str, int]
    head_seq: int
    head_hash: str


def open_raw(path: Path, key_hex: str, *, timeout: float = 30.0) -> Any:
    """A bare sqlcipher3 connection in autocommit mode; the key is proved at once."""
    conn = Database.connect(str(path), isolation_level=None, timeout=timeout)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key_hex}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Database.DatabaseError as exc:
        conn.close()
        raise DatabaseKeyError(f"the key does not open {path.name}") from exc
    return conn


def table_counts(conn: Any, schema: str = "main") -> dict[str, int]:
    """Rows per table (SQLite's own tables excepted), in the connection's current view."""
    names = [
        row[0]
        for row in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master "  # noqa: S608 (schema is ours)
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: int(conn.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0])  # noqa: S608
        for name in names
    }


def journal_head(conn: Any, schema: str = "main") -> tuple[int, str]:
    row = conn.execute(
        f"SELECT seq, hash FROM {schema}.{JOURNAL_HEAD_TABLE} WHERE id = 1"  # noqa: S608
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "0" * 64)


def take_snapshot(db_path: Path, db_key_hex: str, out_path: Path) -> Snapshot:
    """Export the live database to ``out_path`` under a fresh key; counts from the same view."""
    snap_key = secrets.token_hex(32)
    conn = open_raw(db_path, db_key_hex)
    try:
        conn.execute(f"ATTACH DATABASE ? AS snap KEY \"x'{snap_key}'\"", (str(out_path),))
        conn.execute("BEGIN")
        try:
            # The first read fixes the snapshot: counts, head and export all see it.
            counts = table_counts(conn)
            head_seq, head_hash = journal_head(conn)
            conn.execute("SELECT sqlcipher_export('snap')").fetchall()
        finally:
            conn.execute("COMMIT")
        conn.execute("DETACH DATABASE snap")
    finally:
        conn.close()
    with out_path.open("rb") as handle:
        os.fsync(handle.fileno())
    return Snapshot(out_path, snap_key, counts, head_seq, head_hash)


def rekey(path: Path, old_key_hex: str, new_key_hex: str, *, timeout: float = 2.0) -> None:
    """Re-encrypt a database under a new key; fails if any other connection has it open.

    Leaving WAL mode needs an exclusive lock: with another connection open it fails, and
    rekeying then would leave that connection reading pages under a key it does not hold.
    """
    conn = open_raw(path, old_key_hex, timeout=timeout)
    try:
        try:
            conn.execute("PRAGMA journal_mode = DELETE").fetchone()
        except Database.OperationalError as exc:
            raise DatabaseKeyError(
                "the database is in use: stop 'autarcie serve' and other commands first"
            ) from exc
        conn.execute(f"PRAGMA rekey = \"x'{new_key_hex}'\"")
    finally:
        conn.close()
    conn = open_raw(path, new_key_hex)
    try:
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
    finally:
        conn.close()
