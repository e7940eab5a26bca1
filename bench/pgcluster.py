"""A throw-away PostgreSQL cluster for the benchmarks, with fsync ON (durable commits).

Uses the server binaries of Debian's `postgresql` package; as root, the cluster runs as the
`postgres` user. The cluster lives in a temporary folder, listens on a free loopback port and
is removed on exit. `environment()` gives the variables an Autarcie instance needs to use it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(n) for n in part.split(".") if n.isdigit())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    port: int
    socket_dir: Path
    bin: Path

    def environment(self, database: str) -> dict[str, str]:
        return {
            "DB": "postgres",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": database,
            "POSTGRES_SSLMODE": "disable",
        }

    def sql(self, statement: str) -> None:
        """Run one statement as the superuser (CREATE DATABASE cannot run in a transaction)."""
        subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                statement,
            ],
            check=True,
            capture_output=True,
        )


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Start a cluster (fsync on, the default) and remove it afterwards."""
    binaries = server_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL server binaries not found (Debian package postgresql)")
    root = Path(tempfile.mkdtemp(prefix="autarcie-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    subprocess.run(
        _as_postgres(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    start = ["-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=on", "start"]
    subprocess.run(
        _as_postgres(
            [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", *start]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield Cluster(port=port, socket_dir=root, bin=binaries)
    finally:
        subprocess.run(
            _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
