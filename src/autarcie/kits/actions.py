"""Every change the kits make: builds, failures, downloads, prints, pruning, archives."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from django.db import transaction

from autarcie.core import clock
from autarcie.core.journal import Action, Actor, Head, record
from autarcie.core.models import User
from autarcie.core.tempids import Block, format_tempid
from autarcie.kits.models import BuildStatus, KitBuild, PrintStatus
from autarcie.kits.render import RenderedFile


def record_build(
    *,
    actor: Actor,
    build_id: str,
    unit_code: str,
    built_at: dt.datetime,
    data_as_of: dt.datetime | None,
    head: Head,
    folder: Path,
    files: Sequence[RenderedFile],
    patient_ids: Sequence[int],
    block: Block,
) -> KitBuild:
    """One journal entry per kit build, naming its patients and the head it printed."""
    with transaction.atomic():
        build = KitBuild.objects.create(
            build_id=build_id,
            unit_code=unit_code,
            built_at=built_at,
            data_as_of=data_as_of,
            head_seq=head.seq,
            head_hash=head.hash,
            folder=str(folder),
            files=[f.as_dict() for f in files],
            patients=len(patient_ids),
            tempid_first=format_tempid(block.site, block.first),
            tempid_last=format_tempid(block.site, block.last),
        )
        record(
            Action.KIT_BUILT,
            actor=actor,
            target_type="kit",
            target_id=build_id,
            details={
                "unit": unit_code,
                "patients": list(patient_ids),
                "printed_head": {"seq": head.seq, "hash": head.hash},
                "tempids": [build.tempid_first, build.tempid_last],
                "files": [f.as_dict() for f in files],
            },
        )
    return build


def record_build_failure(*, actor: Actor, unit_code: str, build_id: str, reason: str) -> None:
    with transaction.atomic():
        record(
            Action.KIT_BUILD_FAILED,
            actor=actor,
            target_type="kit",
            target_id=build_id,
            details={"unit": unit_code, "reason": reason[:300]},
        )


def record_download(*, actor: User, build: KitBuild, file_name: str) -> None:
    with transaction.atomic():
        record(
            Action.KIT_DOWNLOADED,
            actor=actor,
            target_type="kit",
            target_id=build.build_id,
            details={"unit": build.unit_code, "file": file_name},
        )


def record_print(*, actor: Actor, build: KitBuild, printer: str, error: str = "") -> KitBuild:
    """A print job sent, or its failure: the failure shows as an alert until the next success."""
    with transaction.atomic():
        build.printer = printer
        build.print_status = PrintStatus.FAILED if error else PrintStatus.SENT
        build.print_error = error[:300]
        build.save(update_fields=["printer", "print_status", "print_error"])
        record(
            Action.KIT_PRINT_FAILED if error else Action.KIT_PRINTED,
            actor=actor,
            target_type="kit",
            target_id=build.build_id,
            details={"unit": build.unit_code, "printer": printer, "error": error[:300]},
        )
    return build


def prune_builds(*, actor: Actor, unit_code: str, build_ids: Sequence[str]) -> int:
    """Retire old builds of a unit; their folders go once the change is committed."""
    if not build_ids:
        return 0
    with transaction.atomic():
        builds = list(
            KitBuild.objects.select_for_update().filter(
                unit_code=unit_code, build_id__in=build_ids, status=BuildStatus.READY
            )
        )
        for build in builds:
            build.status = BuildStatus.PRUNED
            build.save(update_fields=["status"])
            transaction.on_commit(partial(shutil.rmtree, Path(build.folder), ignore_errors=True))
        record(
            Action.KIT_PRUNED,
            actor=actor,
            target_type="unit",
            target_id=unit_code,
            details={"builds": [b.build_id for b in builds], "at": clock.now().isoformat()},
        )
    return len(builds)


def record_archive(*, actor: Actor, build_ids: Sequence[str], archive_name: str) -> None:
    with transaction.atomic():
        record(
            Action.KIT_ARCHIVED,
            actor=actor,
            target_type="kit_archive",
            target_id=archive_name,
            details={"builds": list(build_ids), "encryption": "zip AES-256"},
        )
