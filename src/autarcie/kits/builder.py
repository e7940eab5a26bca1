"""Build kits: gather each unit's data here, render it (in worker processes for many units),
then record the build. No transaction is held while rendering."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from autarcie.chart.freshness import data_as_of
from autarcie.core import clock, journal
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Actor
from autarcie.core.models import Unit
from autarcie.core.roles import UnitKind
from autarcie.core.tempids import Block, allocate_block
from autarcie.kits import actions
from autarcie.kits.content import PARIS, UnitKit
from autarcie.kits.gather import unit_sheets
from autarcie.kits.models import KitBuild
from autarcie.kits.render import RenderedFile, render_job, safe_code

Progress = Callable[[int, int, int], None]  # units done, units in all, pages so far


@dataclass
class BuildReport:
    built: list[KitBuild]
    failures: list[str]

    def raise_failures(self) -> None:
        if self.failures:
            raise AutarcieError(f"{len(self.failures)} kit(s) failed: " + "; ".join(self.failures))


@dataclass(frozen=True)
class _Pending:
    kit: UnitKit
    block: Block
    head: journal.Head
    folder: Path
    staging: Path


def new_build_id(moment: dt.datetime) -> str:
    return f"{moment.astimezone(PARIS):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def blank_counts(unit: Unit) -> tuple[int, int]:
    """(admission forms, emergency passage forms): each carries its own temporary id."""
    forms = int(settings.KITS_BLANK_FORMS)
    return forms, forms if unit.kind == UnitKind.EMERGENCY else 1


def prepare(unit: Unit, *, actor: Actor, out_dir: Path) -> _Pending:
    """Read the unit's data and reserve its identifiers: short statements, no long lock."""
    moment = clock.now()
    build_id = new_build_id(moment)
    sheets = unit_sheets(unit.code, moment)
    head = journal.head()  # printed on every page: the journal as it stood before this build
    admissions, passages = blank_counts(unit)
    block = allocate_block(
        actor=actor,
        holder_type="kit",
        holder_id=f"{unit.code}-{build_id}",
        size=admissions + passages,
    )
    ids = block.identifiers()
    kit = UnitKit(
        build_id=build_id,
        unit_code=unit.code,
        unit_label=unit.label,
        emergency=unit.kind == UnitKind.EMERGENCY,
        hospital=str(settings.HOSPITAL_NAME),
        generated_at=moment,
        data_as_of=data_as_of(),
        head_seq=head.seq,
        head_hash=head.hash,
        patients=sheets,
        admission_ids=tuple(ids[:admissions]),
        passage_ids=tuple(ids[admissions:]),
    )
    unit_dir = out_dir / safe_code(unit.code)
    return _Pending(kit, block, head, unit_dir / build_id, unit_dir / f".building-{build_id}")


def _finish(pending: _Pending, files: list[RenderedFile], *, actor: Actor) -> KitBuild:
    pending.staging.rename(pending.folder)
    kit = pending.kit
    return actions.record_build(
        actor=actor,
        build_id=kit.build_id,
        unit_code=kit.unit_code,
        built_at=kit.generated_at,
        data_as_of=kit.data_as_of,
        head=pending.head,
        folder=pending.folder,
        files=files,
        patient_ids=[p.patient_id for p in kit.patients],
        block=pending.block,
    )


def _fail(pending: _Pending, exc: BaseException, *, actor: Actor) -> AutarcieError:
    shutil.rmtree(pending.staging, ignore_errors=True)
    reason = f"{type(exc).__name__}: {exc}"
    actions.record_build_failure(
        actor=actor, unit_code=pending.kit.unit_code, build_id=pending.kit.build_id, reason=reason
    )
    return AutarcieError(f"kit of unit {pending.kit.unit_code} failed ({reason}); nothing kept")


def build_unit(unit: Unit, *, actor: Actor, out_dir: Path) -> KitBuild:
    """One unit, rendered in this process (fast enough for one ward)."""
    pending = prepare(unit, actor=actor, out_dir=out_dir)
    try:
        files = render_job(pending.kit, str(pending.staging), str(settings.KITS_FONT_DIR))
    except Exception as exc:
        raise _fail(pending, exc, actor=actor) from exc
    return _finish(pending, files, actor=actor)


def build_units(
    units: Iterable[Unit],
    *,
    actor: Actor,
    out_dir: Path,
    workers: int = 2,
    progress: Progress | None = None,
) -> BuildReport:
    """Many units: gather in this process while worker processes render the ones gathered.

    A unit that fails is journaled and reported; the other units' kits are still kept."""
    chosen = list(units)
    font_dir = str(settings.KITS_FONT_DIR)
    built: list[KitBuild] = []
    errors: list[str] = []
    pages = 0
    # spawn: workers never inherit this process's database connection or threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        jobs: list[tuple[_Pending, Future[list[RenderedFile]]]] = []
        for unit in chosen:
            pending = prepare(unit, actor=actor, out_dir=out_dir)
            jobs.append(
                (pending, pool.submit(render_job, pending.kit, str(pending.staging), font_dir))
            )
        for pending, future in jobs:
            try:
                files = future.result()
            except Exception as exc:  # a failed unit must not stop the others' kits
                errors.append(str(_fail(pending, exc, actor=actor)))
                continue
            built.append(_finish(pending, files, actor=actor))
            pages += sum(f.pages for f in files)
            if progress is not None:
                progress(len(built) + len(errors), len(chosen), pages)
    return BuildReport(built, errors)


class ProgressBar:
    """``[#####.....] 12/40 unités · 1 234 pages · 80 pages/s`` on stderr."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, pages: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        rate = pages / max(time.monotonic() - self.started, 1e-6)
        bar = "#" * filled + "." * (width - filled)
        print(
            f"\r[{bar}] {done}/{total} units · {pages} pages · {rate:.0f} pages/s",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if done == total:
            print(file=sys.stderr)
