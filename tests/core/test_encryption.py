"""The embedded store is encrypted: no plaintext on disk, a wrong key opens nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from django.db import connection

from autarcie.core.db.sqlcipher.base import DatabaseWrapper
from autarcie.core.errors import DatabaseKeyError
from autarcie.core.journal import Action, record
from tests.factories import make_user

# The PostgreSQL leg deselects these (see scripts/test.sh): there, encryption is the volume's.
pytestmark = pytest.mark.sqlite_only

PATIENT_NAME = "Lefèvre-Tissandier"
JOURNAL_TEXT = "texte-du-journal-a-ne-pas-lire"


def _files() -> list[Path]:
    name = Path(connection.settings_dict["NAME"])
    return [p for p in (name, Path(f"{name}-wal")) if p.exists()]


@pytest.mark.django_db(transaction=True)
def test_database_and_wal_hold_no_plaintext() -> None:
    user = make_user("ide.lefevre")
    user.full_name = PATIENT_NAME
    user.save()
    record(Action.USER_CREATED, actor=user, details={"note": JOURNAL_TEXT})
    files = _files()
    assert files, "the test database must be a real file"
    assert connection.settings_dict["NAME"] != ":memory:"
    for path in files:
        data = path.read_bytes()
        assert PATIENT_NAME.encode() not in data
        assert JOURNAL_TEXT.encode() not in data
        assert b"SQLite format 3" not in data
    # The same strings are there for whoever holds the key.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_user WHERE full_name = %s", [PATIENT_NAME])
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_standard_sqlite_cannot_open_the_file(tmp_path: Path) -> None:
    make_user("quelqu.un")
    # On a copy: the standard module's clean-up of a "foreign" WAL database would break the
    # live test database's connections.
    copy = tmp_path / "copy.db"
    for source in _files():
        shutil.copyfile(source, str(copy) + source.name.removeprefix(Path(_files()[0]).name))
    plain = sqlite3.connect(copy)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()


def _wrapper_for(name: str, key_file: Path) -> DatabaseWrapper:
    settings_dict = dict(connection.settings_dict)
    settings_dict["NAME"] = name
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "key_file": str(key_file)}
    return DatabaseWrapper(settings_dict, alias="probe")


@pytest.mark.django_db(transaction=True)
def test_wrong_key_gives_one_clear_error(tmp_path: Path) -> None:
    make_user("quelqu.une")
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32, encoding="ascii")
    probe = _wrapper_for(connection.settings_dict["NAME"], wrong)
    with pytest.raises(DatabaseKeyError, match=r"does not open .*check AUTARCIE_DB_KEY_FILE"):
        probe.connect()


def test_malformed_or_missing_key_file_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not-a-key", encoding="ascii")
    with pytest.raises(DatabaseKeyError, match="64 hex digits"):
        _wrapper_for(str(tmp_path / "x.db"), bad).connect()
    with pytest.raises(DatabaseKeyError, match="does not exist"):
        _wrapper_for(str(tmp_path / "x.db"), tmp_path / "none.key").connect()


def test_in_memory_database_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    key.write_text("cd" * 32, encoding="ascii")
    with pytest.raises(DatabaseKeyError, match="in-memory"):
        _wrapper_for(":memory:", key).connect()


@pytest.mark.django_db
def test_store_runs_in_wal_mode_with_full_sync() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
