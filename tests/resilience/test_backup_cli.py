"""Backups through the command line, as an operator runs them: real processes, real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from tests.resilience.conftest import Instance, one_line_error
from tests.resilience.writer import FAMILY

pytestmark = pytest.mark.slow


def raw_rows(db: Path, key_file: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlcipher.connect(str(db))
    try:
        conn.execute(f"PRAGMA key = \"x'{key_file.read_text().strip()}'\"")
        return list(conn.execute(sql))
    finally:
        conn.close()


def files_containing(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_backup_restores_on_another_machine_with_journal_and_kits(instance: Instance) -> None:
    instance.write(3)
    kit = instance.data / "kits" / "MED1" / "census.pdf"
    kit.parent.mkdir(parents=True)
    kit.write_bytes(b"%PDF-1.4 kit history")
    archive = instance.root / "usb" / "b1.autarcie-backup"
    archive.parent.mkdir()
    made = instance.run("backup", "create", "--data-dir", str(instance.data), "--out", str(archive))
    assert made.returncode == 0, made.stderr
    verified = instance.run("backup", "verify", str(archive))
    assert verified.returncode == 0, verified.stderr
    assert "backup OK" in verified.stdout

    other = instance.root / "other"
    env = {"AUTARCIE_DB_KEY_FILE": str(other / "keys" / "db.key")}
    restored = instance.run(
        "backup", "restore", str(archive), "--data-dir", str(other / "data"), **env
    )
    assert restored.returncode == 0, restored.stderr
    assert "journal OK" in restored.stdout
    check = instance.run("journal", "verify", "--data-dir", str(other / "data"), **env)
    assert check.returncode == 0, check.stderr
    controls = raw_rows(
        other / "data" / "autarcie.db",
        other / "keys" / "db.key",
        "SELECT control_id FROM mirror_inbound ORDER BY control_id",
    )
    assert controls == [("W0000001",), ("W0000002",), ("W0000003",)]
    assert (other / "data" / "kits" / "MED1" / "census.pdf").read_bytes() == kit.read_bytes()
    assert (other / "keys" / "db.key").read_text() != instance.db_key.read_text()


def test_no_plaintext_reaches_the_disk(instance: Instance) -> None:
    instance.write(2)
    scratch = instance.root / "tmp"
    scratch.mkdir()
    archive = instance.root / "b.autarcie-backup"
    made = instance.run(
        "backup",
        "create",
        "--data-dir",
        str(instance.data),
        "--out",
        str(archive),
        TMPDIR=str(scratch),
    )
    assert made.returncode == 0, made.stderr
    restored = instance.run(
        "backup",
        "restore",
        str(archive),
        "--data-dir",
        str(instance.root / "r"),
        "--key-file",
        str(instance.root / "r.key"),
        TMPDIR=str(scratch),
    )
    assert restored.returncode == 0, restored.stderr
    assert files_containing(instance.root / "data", FAMILY.encode()) == []
    for folder in (instance.root / "data", instance.root / "r", scratch):
        assert files_containing(folder, FAMILY.encode()) == []
        assert files_containing(folder, b"SQLite format 3") == []
    blob = archive.read_bytes()
    assert FAMILY.encode() not in blob
    assert b"SQLite format 3" not in blob
    assert not list(instance.data.glob(".backup-*"))


def _backup(instance: Instance) -> Path:
    archive = instance.root / "b.autarcie-backup"
    made = instance.run("backup", "create", "--data-dir", str(instance.data), "--out", str(archive))
    assert made.returncode == 0, made.stderr
    return archive


def test_wrong_backup_key_is_refused_and_nothing_is_written(instance: Instance) -> None:
    archive = _backup(instance)
    other_key = instance.root / "other.key"
    other_key.write_text("ab" * 32 + "\n")
    target, key = instance.root / "r", instance.root / "r.key"
    done = instance.run(
        "backup",
        "restore",
        str(archive),
        "--data-dir",
        str(target),
        "--key-file",
        str(key),
        "--backup-key-file",
        str(other_key),
    )
    one_line_error(done, "wrong backup key")
    assert not target.exists()
    assert not key.exists()


@pytest.mark.parametrize("where", [0.1, 0.5, 0.999])
def test_tampered_backup_is_refused_and_nothing_is_written(
    instance: Instance, where: float
) -> None:
    archive = _backup(instance)
    blob = bytearray(archive.read_bytes())
    blob[int(len(blob) * where)] ^= 0x40
    archive.write_bytes(bytes(blob))
    verified = instance.run("backup", "verify", str(archive))
    one_line_error(verified, "altered")
    target, key = instance.root / "r", instance.root / "r.key"
    done = instance.run(
        "backup", "restore", str(archive), "--data-dir", str(target), "--key-file", str(key)
    )
    one_line_error(done, "altered")
    assert not target.exists()
    assert not key.exists()


def test_truncated_backup_is_refused(instance: Instance) -> None:
    archive = _backup(instance)
    archive.write_bytes(archive.read_bytes()[:-100])
    one_line_error(instance.run("backup", "verify", str(archive)), "truncated")


def test_restore_refuses_a_folder_that_is_not_empty(instance: Instance) -> None:
    archive = _backup(instance)
    target = instance.root / "busy"
    target.mkdir()
    (target / "something").write_text("kept")
    done = instance.run(
        "backup",
        "restore",
        str(archive),
        "--data-dir",
        str(target),
        "--key-file",
        str(instance.root / "r.key"),
    )
    one_line_error(done, "is not empty")
    assert (target / "something").read_text() == "kept"


def test_backup_create_refuses_to_overwrite_a_file(instance: Instance) -> None:
    archive = _backup(instance)
    before = archive.read_bytes()
    done = instance.run("backup", "create", "--data-dir", str(instance.data), "--out", str(archive))
    one_line_error(done, "already exists")
    assert archive.read_bytes() == before


def test_a_sqlcipher_backup_is_not_restored_on_a_postgres_instance(instance: Instance) -> None:
    archive = _backup(instance)
    done = instance.run(
        "backup",
        "restore",
        str(archive),
        "--data-dir",
        str(instance.root / "pg"),
        DB="postgres",
        POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT="9",  # never reached: the engine is refused first
    )
    one_line_error(done, "this is a backup of a SQLCipher (DB=sqlite) instance")
    assert not (instance.root / "pg").exists()


def test_check_needs_a_person_until_a_backup_exists(instance: Instance) -> None:
    before = instance.run("check", "--data-dir", str(instance.data))
    assert before.returncode == 1, before.stdout
    assert "alert    backup: no backup was ever made" in before.stdout
    _backup(instance)
    after = instance.run("check", "--data-dir", str(instance.data))
    assert after.returncode == 0, after.stdout
    assert "ok       backup: last backup 0 min ago" in after.stdout


def test_drill_restores_the_latest_backup_and_times_it(instance: Instance) -> None:
    usb = instance.root / "usb"
    usb.mkdir()
    instance.write(2)
    made = instance.run(
        "backup",
        "create",
        "--data-dir",
        str(instance.data),
        "--out",
        str(usb / "latest.autarcie-backup"),
    )
    assert made.returncode == 0, made.stderr
    instance.write(1, first=3)  # the live instance moves on after the backup
    drill = instance.run(
        "backup", "drill", "--data-dir", str(instance.data), AUTARCIE_BACKUP_DIR=str(usb)
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "drill PASSED: latest.autarcie-backup" in drill.stdout
    assert "mirror_inbound: backup 2 rows, live 3" in drill.stdout
    assert "time to restore and verify:" in drill.stdout
    check = instance.run("check", "--data-dir", str(instance.data), AUTARCIE_BACKUP_DIR=str(usb))
    assert "ok       drill: last drill 0 min ago: passed" in check.stdout
