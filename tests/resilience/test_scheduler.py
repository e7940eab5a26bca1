"""The backup schedule: driven by the clock, one per instance, the last N kept."""

from __future__ import annotations

import datetime as dt
import fcntl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from autarcie.core import clock
from autarcie.core.clock import FrozenClock
from autarcie.core.models import JournalEntry
from autarcie.resilience.models import BackupRun
from autarcie.resilience.scheduler import backup_file_name, prune, run_backup_scheduler

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(T0)
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


@pytest.fixture
def usb(tmp_path: Path, settings: Any) -> Path:
    key = tmp_path / "backup.key"
    key.write_text("cd" * 32 + "\n")
    settings.BACKUP_KEY_FILE = key
    settings.BACKUP_DIR = tmp_path / "usb"
    settings.BACKUP_EVERY_MINUTES = 60
    settings.BACKUP_KEEP = 2
    return tmp_path / "usb"


def _sleeper(
    fake: FrozenClock, stop: threading.Event, rounds: int
) -> tuple[list[float], Callable[[float], None]]:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) >= rounds:
            stop.set()
        fake.advance(dt.timedelta(seconds=seconds))

    return waits, sleep


@pytest.mark.django_db
def test_schedule_backs_up_every_period_and_keeps_the_last_n(
    usb: Path, frozen: FrozenClock
) -> None:
    stop = threading.Event()
    waits, sleep = _sleeper(frozen, stop, rounds=3)
    done = run_backup_scheduler(stop, sleep=sleep)
    assert done == 3
    assert waits == [3600.0, 3600.0, 3600.0]
    names = sorted(p.name for p in usb.iterdir())
    assert names == [
        backup_file_name(T0 + dt.timedelta(hours=1)),
        backup_file_name(T0 + dt.timedelta(hours=2)),
    ]
    assert BackupRun.objects.filter(ok=True, scheduled=True).count() == 3
    assert JournalEntry.objects.filter(action="backup.pruned").count() == 1


@pytest.mark.django_db
def test_schedule_runs_once_per_instance(usb: Path, frozen: FrozenClock) -> None:
    with (django_settings.DATA_DIR / "backup.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert run_backup_scheduler(threading.Event(), sleep=lambda _s: None) == 0
    assert not usb.exists()


@pytest.mark.django_db
def test_a_failed_scheduled_backup_is_recorded_for_health(
    usb: Path, frozen: FrozenClock, settings: Any
) -> None:
    settings.BACKUP_KEY_FILE = usb.parent / "missing.key"
    stop = threading.Event()
    _waits, sleep = _sleeper(frozen, stop, rounds=1)
    run_backup_scheduler(stop, sleep=sleep)
    failed = BackupRun.objects.get()
    assert not failed.ok
    assert "backup key file" in failed.error or "PostgreSQL" in failed.error
    assert JournalEntry.objects.filter(action="backup.failed").count() == 1


def test_prune_keeps_only_scheduled_names(tmp_path: Path) -> None:
    for hour in range(4):
        (tmp_path / backup_file_name(T0 + dt.timedelta(hours=hour))).write_bytes(b"x")
    (tmp_path / "manual.autarcie-backup").write_bytes(b"x")
    removed = prune(tmp_path, keep=2)
    assert len(removed) == 2
    assert len(list(tmp_path.iterdir())) == 3
