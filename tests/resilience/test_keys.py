"""Key rotation, escrow and recovery: no data lost, the old key opens nothing new."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from autarcie.core import keys
from autarcie.core.db.sqlcipher.base import open_keyed
from autarcie.core.errors import DatabaseKeyError
from autarcie.resilience.snapshot import open_raw, rekey
from tests.resilience.conftest import Instance, one_line_error

HEX_A, HEX_B = "aa" * 32, "bb" * 32


def _opens(db: Path, key_hex: str) -> bool:
    try:
        open_raw(db, key_hex).close()
    except DatabaseKeyError:
        return False
    return True


def test_crash_between_rekey_and_rename_is_finished_at_next_open(tmp_path: Path) -> None:
    db, key_file = tmp_path / "x.db", tmp_path / "x.key"
    key_file.write_text(HEX_A + "\n")
    conn = sqlcipher.connect(str(db))
    conn.execute(f"PRAGMA key = \"x'{HEX_A}'\"")
    conn.execute("CREATE TABLE t (v)")
    conn.execute("INSERT INTO t VALUES ('kept')")
    conn.commit()
    conn.close()
    # The rotation's first two steps, then the "crash": no rename.
    keys.write_pending_key(key_file, HEX_B)
    rekey(db, HEX_A, HEX_B)
    assert key_file.read_text().strip() == HEX_A

    opened = open_keyed({"database": str(db)}, key_file)
    assert opened.execute("SELECT v FROM t").fetchall() == [("kept",)]
    opened.close()
    assert key_file.read_text().strip() == HEX_B
    assert not keys.pending_key_path(key_file).exists()


def test_a_crash_before_the_rekey_leaves_the_old_key_working(tmp_path: Path) -> None:
    db, key_file = tmp_path / "x.db", tmp_path / "x.key"
    key_file.write_text(HEX_A + "\n")
    open_raw(db, HEX_A).close()
    keys.write_pending_key(key_file, HEX_B)
    open_keyed({"database": str(db)}, key_file).close()
    assert key_file.read_text().strip() == HEX_A


@pytest.mark.slow
def test_rotate_rekeys_the_database_and_journals_it(instance: Instance) -> None:
    instance.write(2)
    old = instance.db_key.read_text().strip()
    done = instance.run("keys", "rotate", "--data-dir", str(instance.data))
    assert done.returncode == 0, done.stderr
    new = instance.db_key.read_text().strip()
    assert new != old
    db = instance.data / "autarcie.db"
    assert not _opens(db, old)
    assert _opens(db, new)
    assert stat.S_IMODE(instance.db_key.stat().st_mode) == 0o600
    verify = instance.run("journal", "verify", "--data-dir", str(instance.data))
    assert verify.returncode == 0, verify.stderr
    export = instance.root / "journal.jsonl"
    instance.run("journal", "export", "--data-dir", str(instance.data), "--out", str(export))
    entries = [json.loads(line) for line in export.read_text().splitlines()]
    rotated = [e for e in entries if e["action"] == "key.rotated"]
    assert [e["details"]["kind"] for e in rotated] == ["database"]
    assert old not in export.read_text() and new not in export.read_text()


@pytest.mark.slow
def test_rotation_is_refused_while_the_database_is_in_use(instance: Instance) -> None:
    old = instance.db_key.read_text().strip()
    holder = open_raw(instance.data / "autarcie.db", old)
    try:
        done = instance.run("keys", "rotate", "--data-dir", str(instance.data))
    finally:
        holder.close()
    one_line_error(done, "the database is in use")
    assert instance.db_key.read_text().strip() == old
    assert not keys.pending_key_path(instance.db_key).exists()


@pytest.mark.slow
def test_backup_key_rotation_retires_the_old_key(instance: Instance) -> None:
    before = instance.root / "before.autarcie-backup"
    after = instance.root / "after.autarcie-backup"
    data = ("--data-dir", str(instance.data))
    assert instance.run("backup", "create", *data, "--out", str(before)).returncode == 0
    done = instance.run("keys", "rotate", *data, "--backup-key")
    assert done.returncode == 0, done.stderr
    (retired,) = instance.backup_key.parent.glob("backup.key.retired-*")
    assert stat.S_IMODE(retired.stat().st_mode) == 0o600
    assert instance.run("backup", "create", *data, "--out", str(after)).returncode == 0

    one_line_error(instance.run("backup", "verify", str(before)), "wrong backup key")
    old_key = ("--backup-key-file", str(retired))
    assert instance.run("backup", "verify", str(before), *old_key).returncode == 0
    one_line_error(instance.run("backup", "verify", str(after), *old_key), "wrong backup key")
    assert instance.run("backup", "verify", str(after)).returncode == 0


def _shares(sheet: str) -> list[str]:
    blocks = re.findall(r"^  ([DB]-\S+)\n((?:  [0-9a-f ]+\n)+)  (C:[0-9a-f]{8})$", sheet, re.M)
    return [" ".join([head, groups.replace("\n", " "), check]) for head, groups, check in blocks]


@pytest.mark.slow
def test_escrow_shares_rebuild_the_key_file(instance: Instance) -> None:
    sheet = instance.run("keys", "escrow", "--data-dir", str(instance.data))
    assert sheet.returncode == 0, sheet.stderr
    assert instance.db_key.read_text().strip() not in sheet.stdout
    shares = _shares(sheet.stdout)
    assert len(shares) == 3
    out = instance.root / "rebuilt.key"
    done = instance.run("keys", "recover", shares[0], shares[2], "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text() == instance.db_key.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    damaged = shares[1].replace(shares[1].split()[3], "0000" if "0000" not in shares[1] else "1111")
    bad = instance.run("keys", "recover", shares[0], damaged, "--out", str(out) + "2")
    one_line_error(bad, "checksum")
