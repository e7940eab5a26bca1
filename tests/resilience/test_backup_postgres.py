"""Backups of a PostgreSQL instance: pg_dump sealed in the archive, pg_restore out of it."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.resilience.conftest import (
    PASSWORD,
    Feeding,
    Instance,
    clean_env,
    one_line_error,
)
from tests.resilience.writer import FAMILY

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def _server() -> dict[str, str]:
    """The suite's PostgreSQL server, as the PostgreSQL leg of the suite names it."""
    if os.environ.get("DB") != "postgres":
        pytest.fail("postgres_only tests run with DB=postgres and POSTGRES_* (scripts/test.sh)")
    return {k: v for k, v in os.environ.items() if k.startswith("POSTGRES_")}


def _admin() -> psycopg.Connection[Any]:
    server = _server()
    return psycopg.connect(
        dbname="postgres",
        host=server.get("POSTGRES_HOST", "127.0.0.1"),
        port=server.get("POSTGRES_PORT", "5432"),
        user=server.get("POSTGRES_USER", "autarcie"),
        password=server.get("POSTGRES_PASSWORD") or None,
        sslmode=server.get("POSTGRES_SSLMODE", "prefer"),
        autocommit=True,
    )


class Databases:
    """Databases made for one test, dropped after it."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def create(self) -> str:
        name = f"autarcie_bk_{secrets.token_hex(5)}"
        with _admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return name

    def query(self, name: str, query: str) -> list[tuple[Any, ...]]:
        server = _server()
        with psycopg.connect(
            dbname=name,
            host=server.get("POSTGRES_HOST", "127.0.0.1"),
            port=server.get("POSTGRES_PORT", "5432"),
            user=server.get("POSTGRES_USER", "autarcie"),
            password=server.get("POSTGRES_PASSWORD") or None,
            sslmode=server.get("POSTGRES_SSLMODE", "prefer"),
        ) as conn:
            return list(conn.execute(query.encode()).fetchall())

    def tables(self, name: str) -> int:
        rows = self.query(name, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        return int(rows[0][0])

    def drop_all(self) -> None:
        with _admin() as conn:
            for name in self.names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture
def databases() -> Iterator[Databases]:
    made = Databases()
    yield made
    made.drop_all()


def _env(root: Path, dbname: str) -> dict[str, str]:
    return clean_env(
        **{**_server(), "POSTGRES_DB": dbname},
        DB="postgres",
        AUTARCIE_DB_KEY_FILE=str(root / "keys" / "db.key"),
        AUTARCIE_BACKUP_KEY_FILE=str(root / "keys" / "backup.key"),
        AUTARCIE_LOG_LEVEL="WARNING",
    )


@pytest.fixture
def pg_instance(tmp_path: Path, databases: Databases) -> Instance:
    """A production-mode instance on its own PostgreSQL database, a few patients fed."""
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    made = Instance(tmp_path, tmp_path / "data", _env(tmp_path, databases.create()))
    done = made.run("init", "--data-dir", str(made.data), "--admin-password-file", str(pw))
    assert done.returncode == 0, done.stderr
    return made


def _backup(instance: Instance, name: str = "pg.autarcie-backup") -> Path:
    archive = instance.root / "usb" / name
    archive.parent.mkdir(exist_ok=True)
    made = instance.run("backup", "create", "--data-dir", str(instance.data), "--out", str(archive))
    assert made.returncode == 0, made.stderr
    assert "backup written to" in made.stdout
    return archive


def _restore(
    instance: Instance, archive: Path, dbname: str, *extra: str, **env: str
) -> subprocess.CompletedProcess[str]:
    target = instance.root / f"restored-{dbname}"
    return instance.run(
        "backup",
        "restore",
        str(archive),
        "--data-dir",
        str(target),
        *extra,
        POSTGRES_DB=dbname,
        **env,
    )


def test_postgres_backup_restores_into_another_database_with_journal_and_kits(
    pg_instance: Instance, databases: Databases
) -> None:
    pg_instance.write(3)
    kit = pg_instance.data / "kits" / "MED1" / "census.pdf"
    kit.parent.mkdir(parents=True)
    kit.write_bytes(b"%PDF-1.4 kit history")
    scratch = pg_instance.root / "tmp"
    scratch.mkdir()
    archive = pg_instance.root / "usb" / "pg.autarcie-backup"
    archive.parent.mkdir()
    made = pg_instance.run(
        "backup",
        "create",
        "--data-dir",
        str(pg_instance.data),
        "--out",
        str(archive),
        TMPDIR=str(scratch),
    )
    assert made.returncode == 0, made.stderr
    verified = pg_instance.run("backup", "verify", str(archive))
    assert verified.returncode == 0, verified.stderr
    assert "backup OK" in verified.stdout

    blob = archive.read_bytes()
    assert FAMILY.encode() not in blob
    assert b"PGDMP" not in blob  # the custom-format dump's magic: never in clear
    for folder in (pg_instance.data, scratch):
        assert not [p for p in folder.rglob("*") if p.is_file() and b"PGDMP" in p.read_bytes()]

    target_db = databases.create()
    restored = _restore(pg_instance, archive, target_db, TMPDIR=str(scratch))
    assert restored.returncode == 0, restored.stderr
    assert "journal OK" in restored.stdout
    assert f"database {target_db}" in restored.stdout
    other = pg_instance.root / f"restored-{target_db}"
    check = pg_instance.run("journal", "verify", "--data-dir", str(other), POSTGRES_DB=target_db)
    assert check.returncode == 0, check.stderr
    controls = databases.query(target_db, "SELECT control_id FROM mirror_inbound ORDER BY 1")
    assert controls == [("W0000001",), ("W0000002",), ("W0000003",)]
    assert (other / "kits" / "MED1" / "census.pdf").read_bytes() == kit.read_bytes()
    restored_entries = databases.query(
        target_db, "SELECT count(*) FROM core_journalentry WHERE action = 'backup.restored'"
    )
    assert restored_entries == [(1,)]


def test_wrong_backup_key_is_refused_and_the_database_stays_empty(
    pg_instance: Instance, databases: Databases
) -> None:
    archive = _backup(pg_instance)
    other_key = pg_instance.root / "other.key"
    other_key.write_text("ab" * 32 + "\n")
    target_db = databases.create()
    done = _restore(pg_instance, archive, target_db, "--backup-key-file", str(other_key))
    one_line_error(done, "wrong backup key")
    assert databases.tables(target_db) == 0
    assert not (pg_instance.root / f"restored-{target_db}").exists()


def test_a_tampered_backup_is_refused_and_the_database_stays_empty(
    pg_instance: Instance, databases: Databases
) -> None:
    archive = _backup(pg_instance)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    verified = pg_instance.run("backup", "verify", str(archive))
    one_line_error(verified, "altered or damaged")
    target_db = databases.create()
    done = _restore(pg_instance, archive, target_db)
    one_line_error(done, "altered or damaged")
    assert databases.tables(target_db) == 0


def test_restore_never_writes_over_a_database_with_tables(
    pg_instance: Instance, databases: Databases
) -> None:
    archive = _backup(pg_instance)
    live_db = pg_instance.env["POSTGRES_DB"]
    done = _restore(pg_instance, archive, live_db)
    one_line_error(done, f"the PostgreSQL database {live_db} is not empty")


def test_drill_restores_into_a_scratch_database_and_drops_it(
    pg_instance: Instance, databases: Databases
) -> None:
    pg_instance.write(2)
    archive = _backup(pg_instance)
    drill = pg_instance.run(
        "backup", "drill", "--data-dir", str(pg_instance.data), "--from", str(archive)
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "restored journal verified" in drill.stdout
    assert "drill PASSED" in drill.stdout
    left = databases.query(
        "postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'autarcie_drill_%'"
    )
    assert left == []


def test_backup_under_write_load_keeps_every_acknowledged_write(
    pg_instance: Instance, databases: Databases
) -> None:
    feeding = Feeding(pg_instance)
    try:
        before = feeding.wait_for_some()  # read by us, so committed before the backup started
        archive = _backup(pg_instance, "load.autarcie-backup")
    finally:
        feeding.stop()
    assert len(feeding.acked) > len(before), "the feed kept being acknowledged during the backup"
    target_db = databases.create()
    restored = _restore(pg_instance, archive, target_db)
    assert restored.returncode == 0, restored.stderr
    assert "journal OK" in restored.stdout
    controls = {
        row[0] for row in databases.query(target_db, "SELECT control_id FROM mirror_inbound")
    }
    assert set(before) <= controls
