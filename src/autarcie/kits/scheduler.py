"""The kit scheduler: one process per instance (a file lock) rebuilds each unit's kit on time,
prints it, and keeps the last N builds per unit."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import close_old_connections, connection

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.models import Unit
from autarcie.core.schedule import acquire_lock
from autarcie.kits import actions
from autarcie.kits.builder import build_units
from autarcie.kits.models import BuildStatus, KitBuild
from autarcie.kits.printing import PrintError, parse_printers, printer_for, send

log = logging.getLogger(__name__)
ACTOR = "system:kits"
POLL_SECONDS = 30.0


def due_units(
    last_built: Mapping[str, dt.datetime | None], now: dt.datetime, every: dt.timedelta
) -> list[str]:
    """Units never built, or whose last kit is at least ``every`` old, oldest first."""
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    due = [code for code, at in last_built.items() if at is None or now - at >= every]
    return sorted(due, key=lambda code: (last_built[code] or epoch, code))


def builds_to_prune(builds: Sequence[tuple[str, dt.datetime]], keep: int) -> list[str]:
    """The build ids beyond the ``keep`` newest."""
    ordered = sorted(builds, key=lambda b: (b[1], b[0]), reverse=True)
    return [build_id for build_id, _ in ordered[keep:]]


@dataclass
class TickReport:
    built: list[str] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)
    print_failures: list[str] = field(default_factory=list)
    pruned: int = 0


def _last_built() -> dict[str, dt.datetime | None]:
    last: dict[str, dt.datetime | None] = dict.fromkeys(Unit.objects.values_list("code", flat=True))
    for code, at in KitBuild.objects.filter(status=BuildStatus.READY).values_list(
        "unit_code", "built_at"
    ):
        if code in last and (last[code] is None or at > last[code]):  # type: ignore[operator]
            last[code] = at
    return last


def print_build(build: KitBuild, printer: str, report: TickReport) -> None:
    """Print the main kit file; a failure is kept on the build and shown as an alert."""
    main = Path(build.folder) / build.file_names()[0]
    try:
        send(main, printer, f"Kit {build.unit_code} {build.build_id}")
    except PrintError as exc:
        actions.record_print(actor=ACTOR, build=build, printer=printer, error=str(exc))
        report.print_failures.append(build.unit_code)
        log.error("kit print failed for unit %s on %s: %s", build.unit_code, printer, exc)
        return
    actions.record_print(actor=ACTOR, build=build, printer=printer)
    report.printed.append(build.unit_code)


def prune(unit_codes: Sequence[str], keep: int) -> int:
    removed = 0
    for code in unit_codes:
        rows = KitBuild.objects.filter(unit_code=code, status=BuildStatus.READY)
        old = builds_to_prune(list(rows.values_list("build_id", "built_at")), keep)
        removed += actions.prune_builds(actor=ACTOR, unit_code=code, build_ids=old)
    return removed


def tick(*, out_dir: Path, every: dt.timedelta, keep: int, printers: dict[str, str]) -> TickReport:
    """One pass: build what is due, print it where a printer is set, prune old builds."""
    report = TickReport()
    due = due_units(_last_built(), clock.now(), every)
    if not due:
        return report
    units = list(Unit.objects.filter(code__in=due))
    outcome = build_units(units, actor=ACTOR, out_dir=out_dir, workers=2)
    for failure in outcome.failures:
        log.error("%s", failure)  # journaled already; the unit stays due and is retried
    for build in outcome.built:
        report.built.append(build.unit_code)
        printer = printer_for(build.unit_code, printers)
        if printer:
            print_build(build, printer, report)
    report.pruned = prune(due, keep)
    return report


def run_scheduler(
    stop_event: threading.Event,
    *,
    sleep: Callable[[float], object] | None = None,
    lock_path: Path | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> None:
    """Until ``stop_event``: hold the lock (or wait for it), and run a tick every poll.

    Every wait goes through ``sleep`` (default: wait on the stop event), so tests drive the
    loop with the injectable clock and never really wait.
    """
    wait = sleep or stop_event.wait
    every = dt.timedelta(minutes=int(settings.KITS_EVERY_MINUTES))
    path = lock_path or Path(settings.DATA_DIR) / "kits.lock"
    printers = parse_printers(str(settings.KITS_PRINTERS))
    lock: IO[bytes] | None = None
    try:
        while not stop_event.is_set():
            if lock is None:
                lock = acquire_lock(path)
            if lock is not None:
                _guarded_tick(every, printers)
            wait(poll_seconds)
    finally:
        if lock is not None:
            lock.close()  # closing the file releases the lock


def _guarded_tick(every: dt.timedelta, printers: dict[str, str]) -> None:
    if not connection.in_atomic_block:  # a long-lived process: drop a dead connection first
        close_old_connections()
    try:
        tick(
            out_dir=Path(settings.KITS_DIR),
            every=every,
            keep=int(settings.KITS_KEEP),
            printers=printers,
        )
    except AutarcieError as exc:
        # Already journaled per unit; the next tick retries the units still due.
        log.error("kit build pass failed: %s", exc)
