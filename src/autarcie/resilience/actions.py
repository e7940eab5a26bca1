"""Self-resilience actions: every backup, restore, drill and key event, journaled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from autarcie.core.journal import Action, Actor, record
from autarcie.resilience.models import BackupRun, DrillRun


@transaction.atomic
def record_backup(
    *,
    actor: Actor,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    file: str,
    folder: str,
    size: int,
    head_seq: int,
    scheduled: bool,
) -> BackupRun:
    run = BackupRun.objects.create(
        started_at=started_at,
        finished_at=finished_at,
        file_name=file,
        folder=folder,
        size=size,
        head_seq=head_seq,
        scheduled=scheduled,
    )
    record(
        Action.BACKUP_CREATED,
        actor=actor,
        target_type="backup",
        target_id=run.pk,
        details={"file": file, "bytes": size, "head_seq": head_seq, "scheduled": scheduled},
    )
    return run


@transaction.atomic
def record_backup_failure(
    *, actor: Actor, started_at: dt.datetime, finished_at: dt.datetime, file: str, error: str
) -> BackupRun:
    run = BackupRun.objects.create(
        started_at=started_at,
        finished_at=finished_at,
        file_name=file,
        ok=False,
        error=error[:300],
        scheduled=True,
    )
    record(
        Action.BACKUP_FAILED,
        actor=actor,
        target_type="backup",
        target_id=run.pk,
        details={"file": file, "error": error[:300]},
    )
    return run


@transaction.atomic
def record_pruned(*, actor: Actor, files: list[str], keep: int) -> None:
    record(Action.BACKUP_PRUNED, actor=actor, details={"files": files, "keep": keep})


@transaction.atomic
def record_restored(*, actor: Actor, file: str, manifest: dict[str, Any]) -> None:
    record(
        Action.BACKUP_RESTORED,
        actor=actor,
        details={
            "file": file,
            "created_at": manifest["created_at"],
            "head_seq": manifest["journal"]["head_seq"],
        },
    )


@transaction.atomic
def record_drill(
    *, actor: Actor, at: dt.datetime, file: str, seconds: float, ok: bool, summary: str
) -> DrillRun:
    drill = DrillRun.objects.create(
        at=at, file_name=file, seconds=seconds, ok=ok, summary=summary[:500]
    )
    record(
        Action.BACKUP_DRILLED,
        actor=actor,
        target_type="drill",
        target_id=drill.pk,
        details={"file": file, "seconds": round(seconds, 2), "ok": ok},
    )
    return drill


@transaction.atomic
def record_key_rotated(*, actor: Actor, kind: str, key_id: str) -> None:
    """``key_id`` is a hash of the new key: it names the key file, it never reveals the key."""
    record(Action.KEY_ROTATED, actor=actor, details={"kind": kind, "key_id": key_id})


@transaction.atomic
def record_key_escrowed(*, actor: Actor, kind: str, key_id: str, shares: int) -> None:
    record(
        Action.KEY_ESCROWED,
        actor=actor,
        details={"kind": kind, "key_id": key_id, "shares": shares, "threshold": 2},
    )
