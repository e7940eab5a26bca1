"""The kit scheduler: what is due, what is kept, one process only, driven by the clock."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autarcie.core import clock
from autarcie.core.clock import FrozenClock
from autarcie.core.models import JournalEntry
from autarcie.core.schedule import acquire_lock
from autarcie.kits.models import BuildStatus, KitBuild
from autarcie.kits.scheduler import builds_to_prune, due_units, run_scheduler
from tests.wards import Ward

T = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def test_units_never_built_or_built_an_interval_ago_are_due_oldest_first() -> None:
    last = {"A": T - 2 * HOUR, "B": None, "C": T - HOUR / 2, "D": T - HOUR}
    assert due_units(last, T, HOUR) == ["B", "A", "D"]


def test_only_the_newest_builds_are_kept() -> None:
    builds = [(f"b{i}", T + i * HOUR) for i in range(5)]
    assert sorted(builds_to_prune(builds, 2)) == ["b0", "b1", "b2"]
    assert builds_to_prune(builds[:2], 2) == []


def test_only_one_process_holds_the_scheduler_lock(tmp_path: Path) -> None:
    path = tmp_path / "kits.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys; f = open(sys.argv[1], 'ab'); "
            "fcntl.flock(f.fileno(), fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    assert acquire_lock(path) is None
    holder.stdin.close()
    holder.wait(timeout=30)
    mine = acquire_lock(path)
    assert mine is not None
    mine.close()


class _Ticks:
    """A ``sleep`` for the scheduler: moves the frozen clock, stops after ``count`` waits."""

    def __init__(self, frozen: FrozenClock, stop: threading.Event, step: dt.timedelta, count: int):
        self.frozen, self.stop, self.step, self.left = frozen, stop, step, count

    def __call__(self, seconds: float) -> None:
        self.frozen.advance(self.step)
        self.left -= 1
        if self.left == 0:
            self.stop.set()


@pytest.fixture
def frozen() -> object:
    clock_ = FrozenClock(T)
    previous = clock.install(clock_)
    yield clock_
    clock.install(previous)


@pytest.mark.django_db
def test_scheduler_builds_each_unit_every_interval_and_keeps_the_last_n(
    ward: Ward,
    kits_dir: Path,
    settings: object,
    frozen: FrozenClock,
    tmp_path: Path,
    django_capture_on_commit_callbacks: object,
) -> None:
    settings.KITS_EVERY_MINUTES = 60  # type: ignore[attr-defined]
    settings.KITS_KEEP = 2  # type: ignore[attr-defined]
    stop = threading.Event()
    ticks = _Ticks(frozen, stop, dt.timedelta(minutes=30), 6)  # t = 0, 30, ..., 150 min
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run_scheduler(stop, sleep=ticks, lock_path=tmp_path / "kits.lock")
    for code in ("2010", "2020"):
        builds = KitBuild.objects.filter(unit_code=code)
        assert builds.count() == 3  # at 0, 60 and 120 minutes
        kept = builds.filter(status=BuildStatus.READY)
        assert kept.count() == 2
        pruned = builds.get(status=BuildStatus.PRUNED)
        assert not Path(pruned.folder).exists()
        assert all(Path(b.folder).is_dir() for b in kept)
    assert JournalEntry.objects.filter(action="kit.pruned").count() == 2


@pytest.mark.django_db
def test_scheduler_builds_nothing_while_another_process_holds_the_lock(
    ward: Ward, kits_dir: Path, frozen: FrozenClock, tmp_path: Path
) -> None:
    path = tmp_path / "kits.lock"
    other = acquire_lock(path)  # another open file: flock excludes it like another process
    assert other is not None
    stop = threading.Event()
    run_scheduler(stop, sleep=_Ticks(frozen, stop, HOUR, 2), lock_path=path)
    other.close()
    assert not KitBuild.objects.exists()
