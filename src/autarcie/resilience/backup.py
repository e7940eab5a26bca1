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
from autarcie.resilience import actions, pgdump
from autarcie.resilience.archive import (
    DB_MEMBER,
    Database,
    Manifest,
    Progress,
    read_archive,
    write_archive,
)
from autarcie.resilience.keyfiles import read_backup_key, write_new_key
from autarcie.resilience.models import BackupRun
from autarcie.resilience.sealed import BackupDamaged, BackupError
from autarcie.resilience.snapshot import open_raw, rekey, table_counts, take_snapshot

DB_NAME = "autarcie.db"


def _no_progress(_done: int, _total: int) -> None:
    return None


def live_database() -> tuple[Path, str]:
    """The live SQLCipher file and its key (a pending rotation is finished first)."""
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
    key = read_backup_key(backup_key_file or settings.BACKUP_KEY_FILE)
    out = out.expanduser().absolute()
    if out.exists():
        raise BackupError(f"{out} already exists; it was not replaced")
    started = clock.now()

    def seal(database: Database) -> int:
        return write_archive(
            out,
            key=key,
            database=database,
            kits_dir=settings.KITS_DIR,
            created_at=started,
            progress=progress,
        )

    if settings.DB_ENGINE == "postgres":
        with pgdump.exported_snapshot() as dump:
            size, head_seq = seal(dump), dump.head_seq
    else:
        db_path, db_key = live_database()
        work = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.DATA_DIR))
        try:
            snap = take_snapshot(db_path, db_key, work / "snapshot.db")
            size, head_seq = seal(snap), snap.head_seq
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return actions.record_backup(
        actor=actor,
        started_at=started,
        finished_at=clock.now(),
        file=out.name,
        folder=str(out.parent),
        size=size,
        head_seq=head_seq,
        scheduled=scheduled,
    )


def verify_backup(archive: Path, key: bytes, progress: Progress = _no_progress) -> Manifest:
    """Decrypt and check every chunk and member; write nothing."""
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    return read_archive(archive, key=key, progress=progress)


@dataclass(frozen=True)
class RestorePlan:
    """Where a restore writes: a new data folder, and a fresh SQLCipher key file or an empty
    PostgreSQL database (``server``)."""

    target: Path
    db_key_file: Path | None
    kits_dir: Path
    server: pgdump.Server | None = None

    @property
    def engine(self) -> str:
        return "sqlite" if self.server is None else "postgres"


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _check_plan(plan: RestorePlan) -> None:
    if not _is_empty(plan.target):
        raise BackupError(f"{plan.target} is not empty: restore into a new or empty folder")
    # PostgreSQL: the database is checked once the backup has proved of the same engine.
    if plan.server is None and plan.db_key_file is None:
        raise BackupError("no key file given for the restored database")
    if plan.server is None and plan.db_key_file is not None and plan.db_key_file.exists():
        raise BackupError(
            f"the key file {plan.db_key_file} already exists: a restore writes a fresh key"
        )
    if not plan.kits_dir.is_relative_to(plan.target) and not _is_empty(plan.kits_dir):
        raise BackupError(f"the kits folder {plan.kits_dir} is not empty")


def _check_engine(manifest: Manifest, plan: RestorePlan) -> None:
    if manifest.engine != plan.engine:
        names = {"sqlite": "SQLCipher (DB=sqlite)", "postgres": "PostgreSQL (DB=postgres)"}
        raise BackupError(
            f"this is a backup of a {names.get(manifest.engine, manifest.engine)} instance: "
            f"restore it on an instance of the same engine, not {names[plan.engine]}"
        )


def _destination(
    plan: RestorePlan, name: str, dump: pgdump.RestorePipe | None = None
) -> Path | pgdump.RestorePipe:
    if dump is None and name == DB_MEMBER:
        return plan.target / DB_NAME
    if dump is not None and name.startswith(pgdump.PART_PREFIX):
        return dump
    parts = PurePosixPath(name).parts
    if parts[0] != "kits" or len(parts) < 2:
        raise BackupDamaged(f"the backup holds an unexpected member {name!r}")
    return plan.kits_dir.joinpath(*parts[1:])


def restore_files(
    archive: Path, *, key: bytes, plan: RestorePlan, progress: Progress = _no_progress
) -> Manifest:
    """Verify the whole archive, then write the database (under a fresh key, or into the
    empty PostgreSQL database) and kits.

    Nothing is written until the archive has proved intact; on a later failure, what was
    written is removed again.
    """
    _check_plan(plan)
    _check_engine(verify_backup(archive, key), plan)
    if plan.server is not None:
        pgdump.check_empty(plan.server)
    target_existed = plan.target.exists()
    plan.target.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if plan.server is None:
            manifest, restored = _restore_sqlite(archive, key, plan, progress)
        else:
            manifest, restored = _restore_postgres(archive, key, plan, plan.server, progress)
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


def _restore_sqlite(
    archive: Path, key: bytes, plan: RestorePlan, progress: Progress
) -> tuple[Manifest, dict[str, int]]:
    if plan.db_key_file is None:
        raise BackupError("no key file given for the restored database")
    new_key = secrets.token_hex(32)
    write_new_key(plan.db_key_file, new_key)
    manifest = read_archive(
        archive, key=key, destination=lambda n: _destination(plan, n), progress=progress
    )
    db_path = plan.target / DB_NAME
    rekey(db_path, manifest.snapshot_key, new_key)
    conn = open_raw(db_path, new_key)
    try:
        return manifest, table_counts(conn)
    finally:
        conn.close()


def _restore_postgres(
    archive: Path, key: bytes, plan: RestorePlan, server: pgdump.Server, progress: Progress
) -> tuple[Manifest, dict[str, int]]:
    with pgdump.restore_pipe(server) as dump:
        manifest = read_archive(
            archive, key=key, destination=lambda n: _destination(plan, n, dump), progress=progress
        )
        dump.finish()
    return manifest, pgdump.restored_counts(server)


def _undo(plan: RestorePlan, target_existed: bool) -> None:
    if plan.db_key_file is not None and plan.server is None:
        plan.db_key_file.unlink(missing_ok=True)
    if plan.server is not None:
        pgdump.drop_tables(plan.server)
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
