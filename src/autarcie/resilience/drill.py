"""The restore drill: restore the latest backup aside, verify it, time it (the RTO figure)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from autarcie.core import clock
from autarcie.core.journal import Actor, head
from autarcie.core.models import JournalEntry
from autarcie.resilience import actions
from autarcie.resilience.archive import SUFFIX, Manifest
from autarcie.resilience.backup import RestorePlan, restore_files
from autarcie.resilience.keyfiles import read_backup_key
from autarcie.resilience.models import BackupRun
from autarcie.resilience.pgdump import Server, scratch_database
from autarcie.resilience.sealed import BackupError

# Tables that only ever grow: the live instance must hold at least what the backup holds.
APPEND_ONLY = ("core_journalentry", "mirror_inbound", "mirror_version")


@dataclass
class DrillReport:
    file: str
    ok: bool = True
    restore_seconds: float = 0.0
    total_seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    def fail(self, line: str) -> None:
        self.ok = False
        self.lines.append("FAILED: " + line)


def latest_backup() -> Path:
    """The newest backup in the backup folder, else the newest one the instance recorded."""
    folder = settings.BACKUP_DIR
    if folder is not None and folder.is_dir():
        found = sorted(folder.glob("*" + SUFFIX), key=lambda p: (p.stat().st_mtime, p.name))
        if found:
            return found[-1]
    for run in BackupRun.objects.filter(ok=True).exclude(folder="")[:20]:
        candidate = Path(run.folder) / run.file_name
        if candidate.is_file():
            return candidate
    raise BackupError("no backup found: give one with --from, or set AUTARCIE_BACKUP_DIR")


def _child_env(plan: RestorePlan) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    env["AUTARCIE_LOG_LEVEL"] = "WARNING"
    if plan.server is None:
        env["AUTARCIE_DB_KEY_FILE"] = str(plan.db_key_file)
        return env
    server = plan.server
    env.update(DB="postgres", POSTGRES_DB=server.dbname, POSTGRES_USER=server.user)
    env.update(POSTGRES_HOST=server.host, POSTGRES_SSLMODE=server.sslmode)
    env.update(POSTGRES_PASSWORD=server.password)
    if server.port:
        env["POSTGRES_PORT"] = server.port
    return env


def _verify_journal_in_child(plan: RestorePlan) -> subprocess.CompletedProcess[str]:
    """The real `autarcie journal verify`, on the restored copy, in its own process."""
    command = [sys.executable, "-m", "autarcie.cli", "journal", "verify"]
    return subprocess.run(  # noqa: S603 (our own CLI)
        [*command, "--data-dir", str(plan.target)],
        capture_output=True,
        text=True,
        env=_child_env(plan),
        check=False,
        timeout=3600,
    )


def _compare_with_live(manifest: Manifest, report: DrillReport) -> None:
    live_head = head()
    if manifest.head_seq > live_head.seq:
        report.fail(f"the backup's journal ({manifest.head_seq}) is ahead of the live one")
    elif manifest.head_seq:
        entry = JournalEntry.objects.filter(seq=manifest.head_seq).first()
        if entry is None or entry.hash != manifest.head_hash:
            report.fail(f"journal entry {manifest.head_seq} differs from the live journal")
        else:
            report.lines.append(
                f"journal: backup head {manifest.head_seq} is live entry {manifest.head_seq} "
                f"(live has {live_head.seq - manifest.head_seq} more since)"
            )
    with connection.cursor() as cursor:
        for table in APPEND_ONLY:
            if table not in manifest.counts:
                continue
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (our own names)
            live = int(cursor.fetchone()[0])
            backed = manifest.counts[table]
            if live < backed:
                report.fail(f"{table}: live has {live} rows, fewer than the backup's {backed}")
            else:
                report.lines.append(f"{table}: backup {backed} rows, live {live}")


@contextlib.contextmanager
def _scratch_plan() -> Iterator[RestorePlan]:
    """A temporary folder, and a scratch database on PostgreSQL, both removed afterwards."""
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autarcie-drill-")))
        server: Server | None = None
        if settings.DB_ENGINE == "postgres":
            server = stack.enter_context(scratch_database())
        key_file = tmp / "keys" / "db.key" if server is None else None
        yield RestorePlan(tmp / "data", key_file, tmp / "kits", server)


def run_drill(archive: Path | None, *, actor: Actor) -> DrillReport:
    key = read_backup_key(settings.BACKUP_KEY_FILE)
    archive = archive or latest_backup()
    report = DrillReport(file=archive.name)
    started = time.monotonic()
    with _scratch_plan() as plan:
        manifest = restore_files(archive, key=key, plan=plan)
        report.restore_seconds = time.monotonic() - started
        report.lines.append(
            f"restored {archive.name} (taken {manifest.created_at}) in "
            f"{report.restore_seconds:.1f} s; {len(manifest.counts)} tables match its manifest"
        )
        verified = _verify_journal_in_child(plan)
        expected = f"journal OK: {manifest.head_seq} entries, head {manifest.head_hash}"
        if verified.returncode != 0 or expected not in verified.stdout:
            report.fail("the restored journal does not verify: " + verified.stderr.strip())
        else:
            report.lines.append(f"restored journal verified: {manifest.head_seq} entries")
    _compare_with_live(manifest, report)
    report.total_seconds = time.monotonic() - started
    report.lines.append(
        f"time to restore and verify: {report.total_seconds:.1f} s (the figure for the RTO)"
    )
    actions.record_drill(
        actor=actor,
        at=clock.now(),
        file=archive.name,
        seconds=report.total_seconds,
        ok=report.ok,
        summary="; ".join(report.lines),
    )
    return report
