"""``autarcie serve``: the WSGI application under gunicorn, with HTTPS when given a certificate."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from autarcie.core.errors import ConfigurationError


def _host_of(bind: str) -> str:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigurationError(f"--bind {bind!r} must be HOST:PORT")
    return host.strip("[]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from autarcie.wsgi import application

        return application


def check_ready() -> None:
    """Refuse to serve an instance with configuration errors or an old schema."""
    from django.core.checks import run_checks
    from django.core.checks.messages import ERROR
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    problems = [m for m in run_checks() if m.level >= ERROR]
    if problems:
        raise ConfigurationError("; ".join(f"{m.msg} {m.hint or ''}".strip() for m in problems))
    executor = MigrationExecutor(connections["default"])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise ConfigurationError("the database schema is not up to date: run 'autarcie init'")
    connections.close_all()  # never share a connection across the fork


def _start_hl7_listener(data_dir: Path, host: str, port: int) -> subprocess.Popen[bytes]:
    """`autarcie hl7 listen` as a child: its own process, so web load never delays an ACK.

    Its stdin is a pipe only we hold: when serve ends, however it ends, the pipe closes and
    the listener stops gracefully (it commits and answers what it has in flight).
    """
    command = [sys.executable, "-m", "autarcie.cli", "hl7", "listen", "--data-dir", str(data_dir)]
    command += ["--host", host, "--port", str(port), "--stop-with-parent"]
    return subprocess.Popen(command, stdin=subprocess.PIPE)  # noqa: S603 (our own CLI)


def _stop_hl7_listener(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=45)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _start_backup_scheduler(data_dir: Path) -> subprocess.Popen[bytes]:
    """Self-resilience: `autarcie backup schedule` as a child, stopping when serve ends.

    Core never imports ``autarcie.resilience``: the schedule is started through the CLI.
    """
    command = [sys.executable, "-m", "autarcie.cli", "backup", "schedule"]
    command += ["--data-dir", str(data_dir), "--stop-with-parent"]
    return subprocess.Popen(command, stdin=subprocess.PIPE)  # noqa: S603 (our own CLI)


def serve(
    data_dir: Path,
    *,
    bind: str,
    workers: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    hl7_port: int | None = None,
    threads: int = 2,
) -> int:
    from autarcie.cli import setup_django

    if (tls_cert is None) != (tls_key is None):
        raise ConfigurationError("give both --tls-cert and --tls-key, or neither")
    tls = tls_cert is not None
    os.environ["AUTARCIE_TLS"] = "1" if tls else "0"
    setup_django(data_dir)
    from django.conf import settings

    host = _host_of(bind)
    if not tls and not is_loopback(host) and settings.MODE != "demo":
        raise ConfigurationError(
            f"plain HTTP on {host} would expose patient data on the network: "
            "give --tls-cert and --tls-key, or bind to 127.0.0.1"
        )
    check_ready()
    options: dict[str, Any] = {
        "bind": bind,
        "workers": max(1, workers),
        "worker_class": "gthread",
        # Few threads: pages are CPU-bound Python. With 8 threads per worker, a thread back
        # from a commit (holding the write queue) waited behind the others for the GIL, and
        # 100 clients a second queued for seconds; with 2, the same machine serves 138
        # summaries a second instead of 105 (docs/performance.md).
        "threads": max(1, threads),
        "timeout": 60,
        "graceful_timeout": 10,
        # URLs can name patients: no access log, errors only.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "autarcie",
    }
    if tls:
        options.update(certfile=str(tls_cert), keyfile=str(tls_key))
    scheme = "https" if tls else "http"
    print(f"Autarcie serving {scheme}://{bind}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if not tls:
        print("warning: plain HTTP, for this machine or a demonstration only", file=sys.stderr)
    backups = _start_backup_scheduler(data_dir)  # noqa: F841 (its stdin pipe must live)
    # Unit satellites (self-resilience): pulls from the main instance; exits on a main one.
    satellite = subprocess.Popen(  # noqa: F841, S603 (our own CLI; its stdin pipe must live)
        [
            sys.executable,
            "-m",
            "autarcie.cli",
            "satellite",
            "schedule",
            "--stop-with-parent",
            "--data-dir",
            str(data_dir),
        ],
        stdin=subprocess.PIPE,
    )
    # Paper kits (autarcie.kits): one scheduler per instance, stopping when serve ends.
    kits = subprocess.Popen(  # noqa: F841, S603 (our own CLI; its stdin pipe must live)
        [
            sys.executable,
            "-m",
            "autarcie.cli",
            "kits",
            "schedule",
            "--stop-with-parent",
            "--data-dir",
            str(data_dir),
        ],
        stdin=subprocess.PIPE,
    )
    # Crisis cell: SMS replies and clock reminders, one scheduler per instance.
    crisis_cli = ["crisis", "inbox", "--stop-with-parent", "--data-dir", str(data_dir)]
    crisis = subprocess.Popen(  # noqa: F841, S603 (our own CLI; its stdin pipe must live)
        [sys.executable, "-m", "autarcie.cli", *crisis_cli],
        stdin=subprocess.PIPE,
    )
    if hl7_port is None:
        _Gunicorn(options).run()
        return 0
    listener = _start_hl7_listener(data_dir, host, hl7_port)
    try:
        _Gunicorn(options).run()
    finally:
        _stop_hl7_listener(listener)
    return 0
