"""PostgreSQL backups: ``pg_dump`` streamed into the sealed archive, ``pg_restore`` out of it.

The dump never touches the disk in clear: ``pg_dump --format=custom`` writes to a pipe, read
in parts of ``PART_SIZE`` bytes held in memory, each sealed as one tar member
(``database/postgres.dump.00000``, …). The dump runs on a snapshot exported by a REPEATABLE
READ transaction that also reads the row counts and the journal head, so the manifest
describes exactly what was dumped while writers carry on. Restoring pipes the parts, in
order, into ``pg_restore --single-transaction`` on the restoring instance's database.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

from autarcie.resilience.sealed import BackupError

log = logging.getLogger(__name__)
PART_PREFIX = "database/postgres.dump."
PART_SIZE = 16 << 20
JOURNAL_HEAD_TABLE = "core_journalhead"
CLIENT_TIMEOUT = 3600


@dataclass(frozen=True)
class Server:
    """Where a PostgreSQL database is, as the restoring or backed-up instance names it."""

    dbname: str
    user: str
    password: str
    host: str
    port: str
    sslmode: str

    @classmethod
    def from_settings(cls, dbname: str | None = None) -> Server:
        conf = connection.settings_dict
        return cls(
            dbname=dbname or str(conf["NAME"]),
            user=str(conf["USER"]),
            password=str(conf["PASSWORD"] or ""),
            host=str(conf["HOST"] or ""),
            port=str(conf["PORT"] or ""),
            sslmode=str(conf.get("OPTIONS", {}).get("sslmode", "prefer")),
        )

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                dbname=self.dbname,
                user=self.user,
                password=self.password or None,
                host=self.host or None,
                port=self.port or None,
                sslmode=self.sslmode,
                autocommit=autocommit,
                application_name="autarcie-backup",
            )
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BackupError(
                f"cannot open the PostgreSQL database {self.dbname}: {first}"
            ) from exc

    def client_env(self) -> dict[str, str]:
        """The environment of pg_dump and pg_restore: the password never on a command line."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(
            PGDATABASE=self.dbname,
            PGUSER=self.user,
            PGSSLMODE=self.sslmode,
            PGAPPNAME="autarcie-backup",
        )
        if self.host:
            env["PGHOST"] = self.host
        if self.port:
            env["PGPORT"] = self.port
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def client_binary(name: str, server_major: int) -> str:
    """``pg_dump`` or ``pg_restore``: AUTARCIE_PG_BIN_DIR, else Debian's binaries of the
    server's major version, else the first one on the PATH."""
    if settings.PG_BIN_DIR is not None:
        candidate = settings.PG_BIN_DIR / name
        if not candidate.is_file():
            raise BackupError(f"{candidate} does not exist (AUTARCIE_PG_BIN_DIR)")
        return str(candidate)
    debian = Path("/usr/lib/postgresql") / str(server_major) / "bin" / name
    if debian.is_file():
        return str(debian)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of version {server_major} "
            "(Debian: postgresql-client), or set AUTARCIE_PG_BIN_DIR"
        )
    return found


def _major(conn: psycopg.Connection[Any]) -> int:
    return int(conn.info.server_version) // 10000


def table_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows per table of the current schema, in the connection's current view."""
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    ]
    counts = {}
    for name in names:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name)))
        counts[name] = int(row.fetchone()[0])  # type: ignore[index]
    return counts


def journal_head(conn: psycopg.Connection[Any]) -> tuple[int, str]:
    row = conn.execute(
        sql.SQL("SELECT seq, hash FROM {} WHERE id = 1").format(sql.Identifier(JOURNAL_HEAD_TABLE))
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "0" * 64)


@dataclass(frozen=True)
class DumpSource:
    """The live database as one REPEATABLE READ view: counts, journal head, and its dump."""

    server: Server
    snapshot_id: str
    counts: dict[str, int]
    head_seq: int
    head_hash: str
    size_hint: int
    pg_dump: str

    def manifest(self, parts: list[str]) -> dict[str, Any]:
        return {"format": "pg_dump custom", "parts": parts, "counts": self.counts}

    def parts(self, progress: Callable[[int], None]) -> Iterator[tuple[str, bytes]]:
        """(member name, bytes) per part of the dump, read from pg_dump's pipe."""
        command = [self.pg_dump, "--format=custom", f"--snapshot={self.snapshot_id}"]
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen(  # noqa: S603 (a PostgreSQL client, our arguments)
                command, stdout=subprocess.PIPE, stderr=errors, env=self.server.client_env()
            )
            stdout = proc.stdout
            if stdout is None:
                raise BackupError("pg_dump started without an output pipe")
            try:
                index = 0
                while block := stdout.read(PART_SIZE):
                    progress(len(block))
                    yield f"{PART_PREFIX}{index:05d}", block
                    index += 1
                code = proc.wait(timeout=CLIENT_TIMEOUT)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if code != 0 or index == 0:
                raise BackupError(f"pg_dump failed: {_last_line(errors) or f'exit {code}'}")


def _last_line(stream: IO[bytes]) -> str:
    stream.seek(0)
    lines = [line.strip() for line in stream.read().decode(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


@contextmanager
def exported_snapshot() -> Iterator[DumpSource]:
    """Hold a REPEATABLE READ transaction open while the dump reads its exported snapshot."""
    server = Server.from_settings()
    conn = server.connect()
    try:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot_id = str(conn.execute("SELECT pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
        counts = table_counts(conn)
        head_seq, head_hash = journal_head(conn)
        size = int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]
        pg_dump = client_binary("pg_dump", _major(conn))
        yield DumpSource(server, snapshot_id, counts, head_seq, head_hash, size, pg_dump)
    finally:
        conn.rollback()
        conn.close()


def check_empty(server: Server) -> None:
    """A restore goes into an existing, empty database: never over data."""
    with server.connect() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone()
    if tables is None or int(tables[0]):
        raise BackupError(
            f"the PostgreSQL database {server.dbname} is not empty: restore into a new, "
            "empty database (createdb), named by POSTGRES_DB"
        )


class RestorePipe:
    """A write-only stream into a running ``pg_restore``."""

    def __init__(self, proc: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
        if proc.stdin is None:
            raise BackupError("pg_restore started without an input pipe")
        self._proc, self._stdin, self._errors = proc, proc.stdin, errors

    def write(self, data: bytes) -> int:
        try:
            self._stdin.write(data)
        except BrokenPipeError:
            self._fail()
        return len(data)

    def finish(self) -> None:
        """Close pg_restore's input and wait: its transaction is committed or nothing is."""
        with suppress(BrokenPipeError):
            self._stdin.close()
        if self._proc.wait(timeout=CLIENT_TIMEOUT) != 0:
            self._fail()

    def _fail(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        raise BackupError(f"pg_restore failed: {_last_line(self._errors) or 'no message'}")


@contextmanager
def restore_pipe(server: Server) -> Iterator[RestorePipe]:
    """``pg_restore --single-transaction`` into ``server``, killed if the caller fails."""
    with server.connect() as conn:
        binary = client_binary("pg_restore", _major(conn))
    command = [binary, "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--single-transaction", f"--dbname={server.dbname}"]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(  # noqa: S603 (a PostgreSQL client, our arguments)
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=server.client_env(),
        )
        try:
            yield RestorePipe(proc, errors)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def drop_tables(server: Server) -> None:
    """Empty again a database a failed restore wrote into (it was empty before).

    Best effort, on the way out of a failure that is being reported: its own error is logged.
    """
    try:
        with server.connect() as conn:
            names = [
                str(row[0])
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            for name in names:
                conn.execute(
                    sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(name))
                )
    except (BackupError, psycopg.Error) as exc:
        log.error("could not empty %s after a failed restore: %s", server.dbname, exc)


def restored_counts(server: Server) -> dict[str, int]:
    with server.connect() as conn:
        return table_counts(conn)


@contextmanager
def scratch_database() -> Iterator[Server]:
    """A new, empty database beside the instance's, dropped afterwards (restore drills).

    The instance's role needs CREATEDB.
    """
    live = Server.from_settings()
    name = f"autarcie_drill_{secrets.token_hex(6)}"
    with live.connect(autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise BackupError(
                f"the drill cannot create a scratch database ({exc.diag.message_primary}):"
                " grant CREATEDB to the instance's role"
            ) from exc
    try:
        yield Server(name, live.user, live.password, live.host, live.port, live.sslmode)
    finally:
        with live.connect(autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
