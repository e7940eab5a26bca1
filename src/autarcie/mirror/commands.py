"""Mirror commands: ``hl7 listen`` (the MLLP listener) and ``hl7 send`` (replay files)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    hl7 = sub.add_parser("hl7", help="receive or send HL7 v2 messages over MLLP")
    hsub = hl7.add_subparsers(dest="verb", metavar="VERB", required=True)

    listen = hsub.add_parser(
        "listen",
        help="receive HL7 v2 messages over MLLP; each ACK is sent after its message is committed",
    )
    add_data_dir(listen)
    listen.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    listen.add_argument(
        "--port", type=int, default=None, help="port (default $AUTARCIE_HL7_PORT, else 2575)"
    )
    listen.add_argument("--tls-cert", type=Path, help="TLS certificate (PEM) for MLLP over TLS")
    listen.add_argument("--tls-key", type=Path, help="TLS private key (PEM)")
    listen.add_argument(
        "--batch-max", type=int, default=500, help="most messages per commit (default 500)"
    )
    # Used by `autarcie serve`: stop when the parent process closes our stdin.
    listen.add_argument("--stop-with-parent", action="store_true", help=argparse.SUPPRESS)
    listen.set_defaults(handler=cmd_hl7_listen)

    send = hsub.add_parser(
        "send", help="replay HL7 v2 files over MLLP, one ACK awaited per message and connection"
    )
    send.add_argument("files", nargs="+", type=Path, metavar="FILE", help="HL7 v2 file(s)")
    send.add_argument("--to", required=True, metavar="HOST:PORT", help="the receiver")
    send.add_argument(
        "--tls", action="store_true", help="MLLP over TLS (server certificate verified)"
    )
    send.add_argument("--tls-ca", type=Path, help="CA or self-signed certificate to trust (PEM)")
    send.add_argument("--connections", type=int, default=1, help="parallel connections (default 1)")
    send.add_argument(
        "--retries", type=int, default=5, help="reconnections in a row before giving up (default 5)"
    )
    send.set_defaults(handler=cmd_hl7_send)


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir).expanduser().absolute()
    return Path(os.environ.get("AUTARCIE_DATA_DIR", "./var")).expanduser().absolute()


def cmd_hl7_listen(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigurationError("give both --tls-cert and --tls-key, or neither")
    if args.batch_max < 1:
        raise ConfigurationError("--batch-max must be at least 1")
    setup_django(_data_dir(args))
    from django.conf import settings

    from autarcie.core.server import check_ready
    from autarcie.mirror.listener import ListenerOptions, run_listener, server_tls_context
    from autarcie.mirror.senders import parse_policy

    check_ready()
    policy = parse_policy(settings.HL7_SENDERS)
    if not policy.rules:
        print(
            "warning: AUTARCIE_HL7_SENDERS is empty: every message will be refused (AR)",
            file=sys.stderr,
        )
    tls = server_tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    options = ListenerOptions(
        host=args.host,
        port=settings.HL7_PORT if args.port is None else args.port,
        tls=tls,
        batch_max=args.batch_max,
    )
    scheme = "mllp+tls" if tls else "mllp"

    def announce(port: int) -> None:
        print(
            f"Autarcie HL7 listener on {scheme}://{options.host}:{port} (Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )

    listener = run_listener(
        options, policy, stop_with_parent=args.stop_with_parent, announce=announce
    )
    committer = listener.committer
    if committer is not None:
        print(
            f"HL7 listener stopped: {committer.messages} messages committed in "
            f"{committer.batches} batches (largest {committer.largest_batch})",
            file=sys.stderr,
        )
    return 0


def _target(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"--to {text!r} must be HOST:PORT")
    return host.strip("[]"), int(port)


def read_messages(files: list[Path]) -> list[bytes]:
    """Every message of every file, in order; a file that cannot be read stops everything."""
    from autarcie.mirror.hl7.errors import Hl7ParseError
    from autarcie.mirror.hl7.parser import split_batch

    messages: list[bytes] = []
    for path in files:
        try:
            messages += split_batch(path.read_bytes())
        except OSError as exc:
            raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
        except Hl7ParseError as exc:
            raise ConfigurationError(f"{path} holds no HL7 v2 message: {exc.reason}") from exc
    return messages


class _Progress:
    """A count with rate on stderr, redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.codes: Counter[str] = Counter()
        self.started = time.perf_counter()
        self.last = 0.0
        self.tty = sys.stderr.isatty()
        self.step = max(1, total // 10)

    def __call__(self, _index: int, ack: Any) -> None:
        self.done += 1
        self.codes[ack.code] += 1
        now = time.perf_counter()
        if self.tty and now - self.last < 0.2 and self.done < self.total:
            return
        if not self.tty and self.done % self.step and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.started, 1e-9)
        codes = " ".join(f"{code} {n}" for code, n in sorted(self.codes.items()))
        line = f"{self.done}/{self.total} answered ({codes}), {rate:.0f} msg/s"
        print(f"\r{line}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr)

    def end(self) -> None:
        if self.tty and self.done:
            print(file=sys.stderr)


def cmd_hl7_send(args: argparse.Namespace) -> int:
    from autarcie.mirror.sender import client_tls_context, send_messages

    host, port = _target(args.to)
    if args.connections < 1 or args.retries < 0:
        raise ConfigurationError("--connections must be at least 1 and --retries at least 0")
    if args.tls_ca is not None and not args.tls:
        raise ConfigurationError("--tls-ca needs --tls")
    messages = read_messages(args.files)
    tls = client_tls_context(args.tls_ca) if args.tls else None
    progress = _Progress(len(messages))
    try:
        report = send_messages(
            messages,
            host,
            port,
            tls=tls,
            connections=args.connections,
            on_ack=progress,
            retries=args.retries,
        )
    finally:
        progress.end()
    print(f"{args.to}: {report.summary()}")
    return 0 if report.ok else 1
