"""A backup taken while a feed writes: every message acknowledged before it is restored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from tests.resilience.conftest import Feeding, Instance

pytestmark = pytest.mark.slow


def _rows(db: Path, key_file: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlcipher.connect(str(db))
    try:
        conn.execute(f"PRAGMA key = \"x'{key_file.read_text().strip()}'\"")
        return list(conn.execute(sql))
    finally:
        conn.close()


def test_restore_of_a_backup_under_write_load_keeps_every_acknowledged_write(
    instance: Instance,
) -> None:
    feeding = Feeding(instance)
    try:
        before_snapshot = feeding.wait_for_some()  # read by us: committed before the backup
        archive = instance.root / "load.autarcie-backup"
        made = instance.run(
            "backup", "create", "--data-dir", str(instance.data), "--out", str(archive)
        )
        assert made.returncode == 0, made.stderr
        during = len(feeding.acked) - len(before_snapshot)
    finally:
        stopped = feeding.stop()
    assert stopped == 0

    target, key = instance.root / "restored", instance.root / "restored.key"
    restored = instance.run(
        "backup", "restore", str(archive), "--data-dir", str(target), "--key-file", str(key)
    )
    assert restored.returncode == 0, restored.stderr
    controls = {
        row[0]
        for row in _rows(target / "autarcie.db", key, "SELECT control_id FROM mirror_inbound")
    }
    assert set(before_snapshot) <= controls
    verify = instance.run(
        "journal", "verify", "--data-dir", str(target), AUTARCIE_DB_KEY_FILE=str(key)
    )
    assert verify.returncode == 0, verify.stderr
    # Every journal entry of the backup is the live entry with the same number.
    restored_entries = _rows(
        target / "autarcie.db", key, "SELECT seq, hash FROM core_journalentry ORDER BY seq"
    )
    live = _rows(
        instance.data / "autarcie.db", instance.db_key, "SELECT seq, hash FROM core_journalentry"
    )
    live_entries = {row[0]: row[1] for row in live}
    assert all(live_entries[seq] == digest for seq, digest in restored_entries[:-1])
    batches = _rows(
        target / "autarcie.db",
        key,
        "SELECT count(*) FROM core_journalentry WHERE action = 'feed.batch_committed'",
    )[0][0]
    assert isinstance(batches, int) and batches >= len(before_snapshot)
    print(f"acknowledged before the snapshot: {len(before_snapshot)}, during the backup: {during}")
