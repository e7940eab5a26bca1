"""The instance's health, for `autarcie check` and `/health`: no patient data, ever.

Each item is ``ok``, ``warning`` (worth a look), ``alert`` (needs a person: the check exits 1
and the page answers 503) or ``unknown`` (cannot tell; said rather than guessed).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from autarcie.core import clock, journal, keys, tempids
from autarcie.core.models import Unit
from autarcie.mirror.health import report as mirror_report
from autarcie.resilience.models import BackupRun, DrillRun, SatelliteLink
from autarcie.resilience.scheduler import backup_period
from autarcie.resilience.volumes import postgres_volume

MIN_FREE_BYTES = 1 << 30
MIN_FREE_RATIO = 0.05
DRILL_EVERY = dt.timedelta(days=90)


@dataclass(frozen=True)
class Item:
    name: str
    status: str
    text: str


@dataclass
class Health:
    at: dt.datetime
    items: list[Item] = field(default_factory=list)

    def add(self, name: str, status: str, text: str) -> None:
        self.items.append(Item(name, status, text))

    @property
    def needs_person(self) -> bool:
        return any(item.status == "alert" for item in self.items)

    def lines(self) -> list[str]:
        alerts = sum(item.status == "alert" for item in self.items)
        head = f"{alerts} item(s) need a person" if alerts else "nothing needs a person"
        return [f"autarcie health at {self.at:%Y-%m-%dT%H:%MZ}: {head}"] + [
            f"{item.status:<8} {item.name}: {item.text}" for item in self.items
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "needs_person": self.needs_person,
            "items": [asdict(item) for item in self.items],
        }


def _age(now: dt.datetime, then: dt.datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


def _mirror(health: Health) -> None:
    lines, needs_person = mirror_report()
    for line in lines:
        flagged = needs_person and "SILENT" in line
        name, _, text = line.partition(": ")
        health.add(name, "alert" if flagged else "ok", text)


def _kits(health: Health) -> None:
    if "kits_kitbuild" not in connection.introspection.table_names():
        health.add("kits", "unknown", "the kits history is not installed")
        return
    from autarcie.kits.models import KitBuild

    now, every = health.at, settings.KITS_EVERY_MINUTES
    late = dt.timedelta(minutes=2 * every + 15)
    for unit in Unit.objects.order_by("code"):
        last = KitBuild.objects.filter(unit_code=unit.code, status="ready").first()
        if last is None:
            health.add("kit", "alert" if every else "warning", f"{unit.code}: no kit built yet")
            continue
        stale = bool(every) and now - last.built_at > late
        health.add(
            "kit",
            "alert" if stale else "ok",
            f"{unit.code}: last kit {_age(now, last.built_at)} ({last.patients} patient(s))",
        )
    printed = KitBuild.objects.exclude(print_status="").first()
    if printed is None:
        health.add("print", "warning", "no kit sent to a printer yet")
    elif printed.print_status == "failed":
        health.add("print", "alert", f"last print failed {_age(now, printed.built_at)}")
    else:
        health.add("print", "ok", f"last print {_age(now, printed.built_at)} ({printed.unit_code})")


def _backups(health: Health) -> None:
    now = health.at
    every = backup_period()
    limit = 2 * every if every else dt.timedelta(hours=26)
    last_ok = BackupRun.objects.filter(ok=True).first()
    latest = BackupRun.objects.first()
    if last_ok is None:
        health.add("backup", "alert", "no backup was ever made: run 'autarcie backup create'")
    else:
        old = now - last_ok.started_at > limit
        health.add(
            "backup",
            "alert" if old else "ok",
            f"last backup {_age(now, last_ok.started_at)}, {last_ok.size / 1e6:.1f} MB, "
            f"{last_ok.file_name}",
        )
    if latest is not None and not latest.ok:
        health.add("backup", "alert", f"last attempt failed {_age(now, latest.started_at)}")
    if every is None:
        health.add("backup", "warning", "scheduled backups are off (AUTARCIE_BACKUP_DIR)")
    drill = DrillRun.objects.first()
    if drill is None or now - drill.at > DRILL_EVERY:
        health.add("drill", "warning", "no restore drill in 90 days: 'autarcie backup drill'")
    else:
        health.add(
            "drill",
            "ok" if drill.ok else "alert",
            f"last drill {_age(now, drill.at)}: {'passed' if drill.ok else 'FAILED'}, "
            f"restored and verified in {drill.seconds:.0f} s",
        )


def _disk(health: Health, name: str, folder: Path) -> None:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    low = usage.free < MIN_FREE_BYTES or usage.free < MIN_FREE_RATIO * usage.total
    health.add(
        "disk",
        "alert" if low else "ok",
        f"{name}: {usage.free / 2**30:.1f} GiB free of {usage.total / 2**30:.1f} GiB",
    )


def _key_file(health: Health, name: str, path: Path | None, *, required: bool) -> None:
    if path is None:
        if required:
            health.add("key", "alert", f"{name} key file is not configured")
        return
    if not path.exists():
        health.add("key", "alert" if required else "warning", f"{name} key file is missing")
        return
    problems = []
    if not keys.key_file_is_private(path):
        problems.append("readable by others (chmod 600)")
    if settings.MODE == "production" and path.resolve().is_relative_to(settings.DATA_DIR):
        problems.append("inside the data directory")
    if keys.pending_key_path(path).exists():
        problems.append("an interrupted rotation left a .new file")
    status = "alert" if problems else "ok"
    health.add("key", status, f"{name} key file " + ("; ".join(problems) or "private"))


def _storage(health: Health) -> None:
    if settings.DB_ENGINE == "sqlite":
        health.add("encryption", "ok", "database: SQLCipher, key outside the data files")
        _key_file(health, "database", settings.DB_KEY_FILE, required=True)
    else:
        volume = postgres_volume()
        status = {"encrypted": "ok", "not encrypted": "alert"}.get(volume.state, "unknown")
        health.add("encryption", status, f"PostgreSQL volume {volume.state}: {volume.text}")
    _key_file(health, "backup", settings.BACKUP_KEY_FILE, required=True)
    _disk(health, "data", settings.DATA_DIR)
    if settings.BACKUP_DIR is not None:
        if settings.BACKUP_DIR.is_dir():
            _disk(health, "backups", settings.BACKUP_DIR)
        else:
            health.add("disk", "alert", "the backup folder is missing (disk unplugged?)")


def _delegated_identifiers(health: Health) -> None:
    """On a satellite: the temporary identifiers it may still issue before its next sync."""
    left = tempids.delegated_left(settings.SITE_CODE)
    if left is None:
        return  # a main instance issues from its own pool
    link = SatelliteLink.objects.filter(pk=1).first()
    size = link.tempid_last - link.tempid_first + 1 if link else 0
    if left == 0:
        health.add(
            "tempids", "alert", "no delegated temporary identifiers left: sync the satellite"
        )
    elif left < max(1, size // 5):
        health.add("tempids", "warning", f"{left} delegated temporary identifiers left")
    else:
        health.add("tempids", "ok", f"{left} delegated temporary identifiers left")


def collect() -> Health:
    health = Health(at=clock.now())
    _mirror(health)
    _kits(health)
    _backups(health)
    _storage(health)
    _delegated_identifiers(health)
    head = journal.head()
    health.add("journal", "ok", f"{head.seq} entries, head {head.hash[:16]}…")
    return health
