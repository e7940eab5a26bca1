"""Backups of a running instance: create, verify, and restore onto another machine."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection

from autarcie.core import clock, keys
from autarcie.core.journal import Actor
from autarcie.resilience import actions
from autarcie.resilience.archive import DB_MEMBER, Manifest, Progress, read_archive, write_archive
from autarcie.resilience.keyfiles import read_backup_key, write_new_key
from autarcie.resilience.models import BackupRun
from autarcie.resilience.sealed import BackupDamaged, BackupError
from autarcie.resilience.snapshot import open_raw, rekey, table_counts, take_snapshot

DB_NAME = "autarcie.db"


def _no_progress(_done: int, _total: int) -> None:
    return None


def require_sqlite() -> None:
    if settings.DB_ENGINE != "sqlite":
        raise BackupError(
            "backups of a PostgreSQL instance are not implemented: back up the PostgreSQL "
            "server with its own tools onto an encrypted volume (see docs/operations.md)"
        )


def live_database() -> tuple[Path, str]:
    """The live database file and its key (a pending rotation is finished first)."""
    require_sqlite()
    connection.ensure_connection()
    return database_path(), keys.read_key_file(settings.DB_KEY_FILE)


def database_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def create_backup(
    out: Path,
    *,
    actor: Actor,
    scheduled: bool = False,
    backup_key_file: Path | None = None,
    progress: Progress = _no_progress,
) -> BackupRun:
    """Snapshot the live database, seal it with the kit history into ``out``, journal it."""
    require_sqlite()
    key = read_backup_key(backup_key_file or settings.BACKUP_KEY_FILE)
    db_path, db_key = live_database()
    out = out.expanduser().absolute()
    if out.exists():
        raise BackupError(f"{out} already exists; it was not replaced")
    started = clock.now()
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.DATA_DIR))
    try:
        snap = take_snapshot(db_path, db_key, work / "snapshot.db")
        size = write_archive(
            out,
            key=key,
            snapshot=snap,
            kits_dir=settings.KITS_DIR,
            engine="sqlite",
            created_at=started,
            progress=progress,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return actions.record_backup(
        actor=actor,
        started_at=started,
        finished_at=clock.now(),
        file=out.name,
        folder=str(out.parent),
        size=size,
        head_seq=snap.head_seq,
        scheduled=scheduled,
    )


def verify_backup(archive: Path, key: bytes, progress: Progress = _no_progress) -> Manifest:
    """Decrypt and check every chunk and member; write nothing."""
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    return read_archive(archive, key=key, progress=progress)


@dataclass(frozen=True)
class RestorePlan:
    target: Path
    db_key_file: Path
    kits_dir: Path


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _check_plan(plan: RestorePlan) -> None:
    if not _is_empty(plan.target):
        raise BackupError(f"{plan.target} is not empty: restore into a new or empty folder")
    if plan.db_key_file.exists():
        raise BackupError(
            f"the key file {plan.db_key_file} already exists: a restore writes a fresh key"
        )
    if not plan.kits_dir.is_relative_to(plan.target) and not _is_empty(plan.kits_dir):
        raise BackupError(f"the kits folder {plan.kits_dir} is not empty")


def _destination(plan: RestorePlan, name: str) -> Path:
    if name == DB_MEMBER:
        return plan.target / DB_NAME
    parts = PurePosixPath(name).parts
    if parts[0] != "kits" or len(parts) < 2:
        raise BackupDamaged(f"the backup holds an unexpected member {name!r}")
    return plan.kits_dir.joinpath(*parts[1:])


def restore_files(
    archive: Path, *, key: bytes, plan: RestorePlan, progress: Progress = _no_progress
) -> Manifest:
    """Verify the whole archive, then write the database (under a fresh key) and kits.

    Nothing is written until the archive has proved intact; on a later failure, what was
    written is removed again.
    """
    _check_plan(plan)
    verify_backup(archive, key)
    target_existed = plan.target.exists()
    plan.target.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        new_key = secrets.token_hex(32)
        write_new_key(plan.db_key_file, new_key)
        manifest = read_archive(
            archive, key=key, destination=lambda n: _destination(plan, n), progress=progress
        )
        db_path = plan.target / DB_NAME
        rekey(db_path, manifest.snapshot_key, new_key)
        conn = open_raw(db_path, new_key)
        try:
            restored = table_counts(conn)
        finally:
            conn.close()
        if restored != manifest.counts:
            raise BackupDamaged("the restored database's row counts differ from the manifest")
        secret = plan.target / "secret_key"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
    except BaseException:
        _undo(plan, target_existed)
        raise
    return manifest


def _undo(plan: RestorePlan, target_existed: bool) -> None:
    plan.db_key_file.unlink(missing_ok=True)
    if not plan.kits_dir.is_relative_to(plan.target):
        shutil.rmtree(plan.kits_dir, ignore_errors=True)
    if target_existed:
        for child in plan.target.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    else:
        shutil.rmtree(plan.target, ignore_errors=True)
