"""Health for monitoring: what needs a person, who may see it, and honest 'unknown's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from autarcie.core import clock
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.roles import Role
from autarcie.resilience import actions
from autarcie.resilience.health import collect
from autarcie.resilience.volumes import VolumeStatus, lsblk_says_crypt, mount_of
from tests.factories import make_user

MOUNTS = """/dev/vda / ext4 rw 0 0
/dev/mapper/pgdata /var/lib/postgresql ext4 rw 0 0
tmpfs /var/lib/postgresql/tmp tmpfs rw 0 0
"""


@pytest.fixture
def backup_key(tmp_path: Path, settings: Any) -> Path:
    key = tmp_path / "backup.key"
    key.write_text("cd" * 32 + "\n")
    key.chmod(0o600)
    settings.BACKUP_KEY_FILE = key
    return key


def _backup_now() -> None:
    now = clock.now()
    actions.record_backup(
        actor="system:test",
        started_at=now,
        finished_at=now,
        file="b.autarcie-backup",
        folder="/backups",
        size=1000,
        head_seq=1,
        scheduled=False,
    )


def _status(name: str) -> list[str]:
    return [item.status for item in collect().items if item.name == name]


@pytest.mark.django_db
def test_no_backup_needs_a_person(backup_key: Path, settings: Any) -> None:
    health = collect()
    assert health.needs_person
    assert "alert" in _status("backup")


@pytest.mark.django_db
def test_a_recent_backup_is_ok_and_an_old_one_is_not(backup_key: Path, settings: Any) -> None:
    _backup_now()
    assert _status("backup")[0] == "ok"
    previous = clock.install(clock.FrozenClock(clock.now() + dt.timedelta(days=3)))
    try:
        assert _status("backup")[0] == "alert"
    finally:
        clock.install(previous)


@pytest.mark.django_db
def test_a_key_file_readable_by_others_needs_a_person(backup_key: Path) -> None:
    backup_key.chmod(0o644)
    lines = [i.text for i in collect().items if i.name == "key" and i.status == "alert"]
    assert any("backup key file readable by others" in line for line in lines)


@pytest.mark.django_db
def test_health_page_answers_loopback_without_login(backup_key: Path) -> None:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/health/")
    assert response.status_code in (200, 503)
    assert response["Content-Type"].startswith("text/plain")
    assert b"backup:" in response.content
    as_json = Client(REMOTE_ADDR="127.0.0.1").get("/health/?format=json").json()
    assert "needs_person" in as_json


@pytest.mark.django_db
def test_health_page_asks_others_to_log_in(backup_key: Path) -> None:
    response = Client(REMOTE_ADDR="10.1.2.3").get("/health/")
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


@pytest.mark.django_db
def test_a_nurse_may_not_see_the_health_page(backup_key: Path) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(make_user("nurse1", Role.NURSE))
    assert client.get("/health/").status_code == 403


@pytest.mark.django_db
def test_it_security_sees_the_health_page(backup_key: Path) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(make_user("it1", Role.IT_SECURITY))
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    response = client.get("/health/")
    assert response.status_code in (200, 503)
    assert b"journal:" in response.content


def test_mount_of_finds_the_deepest_mount() -> None:
    assert mount_of("/var/lib/postgresql/15/main", MOUNTS) == (
        "/dev/mapper/pgdata",
        "/var/lib/postgresql",
    )
    assert mount_of("/srv/x", MOUNTS) == ("/dev/vda", "/")


def test_lsblk_output_tells_crypt_from_plain() -> None:
    assert lsblk_says_crypt("pgdata crypt\nvda2 part\nvda disk\n") is True
    assert lsblk_says_crypt("vda disk\n") is False
    assert lsblk_says_crypt("") is None


def test_a_non_block_device_is_reported_unknown() -> None:
    from autarcie.resilience.volumes import device_status

    assert device_status("overlay") == VolumeStatus(
        "unknown", "the data directory is on overlay, not a block device"
    )


@pytest.mark.django_db
def test_a_satellite_short_of_delegated_identifiers_needs_a_person(backup_key: Path) -> None:
    from autarcie.core import tempids

    assert _status("tempids") == []  # a main instance: its own pool, nothing to watch
    tempids.receive_delegated_range(
        actor="system:test", site="01", first=1, last=3, holder_id="sat"
    )
    assert _status("tempids") == ["ok"]
    tempids.allocate_block(actor="system:test", holder_type="kit", holder_id="k", size=3)
    assert _status("tempids") == ["alert"]
