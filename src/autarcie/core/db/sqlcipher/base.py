"""SQLCipher backend: Django's SQLite backend, connected through sqlcipher3 with a raw key.

Django's own ``get_new_connection`` connects with the standard ``sqlite3`` module, which
ignores ``PRAGMA key`` and silently writes a plaintext file. This backend therefore opens the
connection itself with ``sqlcipher3``, sets the key before anything else, proves the key by
reading ``sqlite_master``, then repeats what Django's method does.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from itertools import tee
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import (  # type: ignore[import-untyped]
    register as register_functions,
)
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from sqlcipher3 import dbapi2 as Database

from autarcie.core.db.sqlcipher.gate import queue_for
from autarcie.core.errors import DatabaseKeyError
from autarcie.core.keys import finish_rotation, pending_key_path, read_key_file


def _decoder(conv_func: Any) -> Any:
    return lambda s: conv_func(s.decode())


# The same converters and adapters Django registers on the standard sqlite3 module.
Database.register_converter("bool", b"1".__eq__)
Database.register_converter("date", _decoder(parse_date))
Database.register_converter("time", _decoder(parse_time))
Database.register_converter("datetime", _decoder(parse_datetime))
Database.register_converter("timestamp", _decoder(parse_datetime))
Database.register_adapter(decimal.Decimal, str)
Database.register_adapter(datetime.date, sqlite_base.adapt_date)
Database.register_adapter(datetime.datetime, sqlite_base.adapt_datetime)


class SQLCipherCursorWrapper(Database.Cursor):  # type: ignore[misc]
    """Django's "format" and "pyformat" parameter styles on a sqlcipher3 cursor."""

    def execute(self, query: str, params: Any = None) -> Any:
        if params is None:
            return Database.Cursor.execute(self, query)
        names = list(params) if isinstance(params, Mapping) else None
        return Database.Cursor.execute(self, _convert_query(query, names), params)

    def executemany(self, query: str, param_list: Any) -> Any:
        peek, param_list = tee(iter(param_list))
        first = next(peek, None)
        names = list(first) if first and isinstance(first, Mapping) else None
        return Database.Cursor.executemany(self, _convert_query(query, names), param_list)


def _convert_query(query: str, names: list[str] | None) -> str:
    if names is None:
        return str(sqlite_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%"))
    return query % {name: f":{name}" for name in names}


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    vendor = "sqlite"
    display_name = "SQLCipher"
    Database = Database

    def get_connection_params(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_connection_params()
        key_file = kwargs.pop("key_file", None)
        self._key_file = Path(key_file) if key_file else None
        return kwargs

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = str(conn_params.get("database", ""))
        if name == ":memory:" or "mode=memory" in name:
            raise DatabaseKeyError("an in-memory database cannot be encrypted; use a file")
        conn = open_keyed(conn_params, self._key_file)
        register_functions(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA legacy_alter_table = OFF")
        for init_command in self.init_commands:  # type: ignore[attr-defined]
            if init_command := init_command.strip():
                conn.execute(init_command)
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLCipherCursorWrapper)

    # --- one fair queue of writers (see gate.py) ---
    # Every transaction Django begins (``atomic``, with BEGIN IMMEDIATE) queues first and
    # leaves the queue as soon as it commits or rolls back.

    _in_gate = False

    def _start_transaction_under_autocommit(self) -> None:
        queue = queue_for(str(self.settings_dict["NAME"]))
        if not queue.holds():  # never wait for ourselves through a second connection
            queue.enter(float(self.settings_dict["OPTIONS"].get("timeout", 5)))
            self._in_gate = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._leave_gate()
            raise

    def _leave_gate(self) -> None:
        if self._in_gate:
            self._in_gate = False
            queue_for(str(self.settings_dict["NAME"])).leave()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._leave_gate()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._leave_gate()

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)  # type: ignore[misc]
        if autocommit:
            self._leave_gate()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._leave_gate()


# --- key rotation recovery (self-resilience) ---
# `autarcie keys rotate` writes `<key file>.new` before `PRAGMA rekey`, then renames it. A crash
# between the two leaves the database under the new key while the key file holds the old one:
# open with whichever key works, and finish the rename.


def _try_key(conn_params: dict[str, Any], key: str) -> Any:
    conn = Database.connect(**conn_params)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Database.DatabaseError as exc:
        conn.close()
        if "not a database" not in str(exc):
            raise  # a busy or broken file is not a wrong key: say what really happened
        return None
    return conn


def open_keyed(conn_params: dict[str, Any], key_file: Path | None) -> Any:
    """A sqlcipher3 connection opened with the key file (or a pending rotated key)."""
    conn = _try_key(conn_params, read_key_file(key_file))
    if conn is None and key_file is not None and pending_key_path(key_file).exists():
        conn = _try_key(conn_params, read_key_file(pending_key_path(key_file)))
        if conn is not None:
            finish_rotation(key_file)
    if conn is None:
        name = conn_params.get("database", "")
        raise DatabaseKeyError(f"the database key does not open {name}: check AUTARCIE_DB_KEY_FILE")
    return conn
