"""What any HL7 listener in CPython costs on this machine, before it understands a message.

The HL7 target (5,000 messages/s over 16 MLLP connections, each sender waiting for its ACK,
ACK after a FULL commit on SQLCipher) is measured on the real listener by
`bench_hl7_ingest.py`. This script measures the ceiling under it: stripped-down servers that do
only what every listener must, with the same pieces (asyncio, the project's MLLP decoder,
the project's sender, sqlcipher3), on the same synthetic messages:

- `echo`: read frames, answer each with an ACK naming its MSH-10; nothing stored. The ceiling
  of asyncio and the sender on this machine.
- `store`: the same, and each message's raw bytes kept in one SQLCipher table (one unique index
  on sender and MSH-10), group commit with `synchronous=FULL` by one writer thread, each ACK
  sent after its commit. No parsing beyond MSH-10, no interpretation, no projection, no journal.

Each server runs in its own process, as the real listener does. The figures bound what the real
listener can reach: it does all of this, then parses, interprets, applies and journals.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

import sqlcipher3

from autarcie.mirror.hl7.mllp import MllpDecoder, frame
from autarcie.mirror.sender import send_messages
from bench_hl7_ingest import synthetic_messages


def _control_id(raw: bytes) -> bytes:
    fields = raw.split(b"\r", 1)[0].split(b"|")
    return fields[9] if len(fields) > 9 else b""


def _ack(raw: bytes) -> bytes:
    return (
        b"MSH|^~\\&|AUTARCIE|AUTARCIE|||20261124||ACK|"
        + secrets.token_hex(10).encode()
        + b"|P|2.5\rMSA|AA|"
        + _control_id(raw)
        + b"\r"
    )


class _Writer:
    """One thread: whatever is queued when the previous commit ends becomes one transaction."""

    def __init__(self, db: Path, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.cond = threading.Condition()
        self.queue: deque[tuple[bytes, asyncio.Future[None]]] = deque()
        self.commits = 0
        self.conn = sqlcipher3.connect(str(db), isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(
            "CREATE TABLE inbound (id INTEGER PRIMARY KEY, sender TEXT, control_id TEXT, "
            "received_at TEXT, raw BLOB, UNIQUE (sender, control_id))"
        )
        threading.Thread(target=self._run, daemon=True).start()

    def submit(self, raw: bytes) -> asyncio.Future[None]:
        future: asyncio.Future[None] = self.loop.create_future()
        with self.cond:
            self.queue.append((raw, future))
            self.cond.notify()
        return future

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.queue:
                    self.cond.wait()
                batch = [self.queue.popleft() for _ in range(len(self.queue))]
            now = time.strftime("%Y-%m-%d %H:%M:%S")
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT INTO inbound (sender, control_id, received_at, raw) VALUES (?, ?, ?, ?)",
                [("SENDER", _control_id(raw).decode(), now, raw) for raw, _ in batch],
            )
            self.conn.execute("COMMIT")
            self.commits += 1
            self.loop.call_soon_threadsafe(_resolve, [future for _, future in batch])


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        future.set_result(None)


async def _serve(mode: str, db: Path) -> None:
    loop = asyncio.get_running_loop()
    writer_thread = _Writer(db, loop) if mode == "store" else None

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder = MllpDecoder()
        while data := await reader.read(65536):
            frames = decoder.feed(data)
            if writer_thread is not None:
                for future in [writer_thread.submit(raw) for raw in frames]:
                    await future
            writer.write(b"".join(frame(_ack(raw)) for raw in frames))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = _cpu_seconds()
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    print(_cpu_seconds() - started, flush=True)  # CPU spent serving, start-up left out
    print(writer_thread.commits if writer_thread else 0, flush=True)


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _measure(mode: str, raws: list[bytes], conns: int, folder: Path) -> tuple[float, float, int]:
    """Messages per second, the server's CPU time per message in µs, its commits."""
    db = folder / f"{mode}-{conns}.db"
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", mode, "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        report = send_messages(raws, "127.0.0.1", port, connections=conns)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=60)
    cpu = float(server.stdout.readline())
    commits = int(server.stdout.readline())
    return report.acknowledged / report.elapsed, cpu / len(raws) * 1e6, commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a 100-bed, 1-day hospital")
    parser.add_argument("--beds", type=int, default=300)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--connections", default="1,4,16", help="comma-separated counts")
    parser.add_argument("--serve", choices=("echo", "store"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.db))
        return
    beds, days = (100, 1) if args.small else (args.beds, args.days)
    with tempfile.TemporaryDirectory(prefix="autarcie-bench-floor-") as tmp:
        folder = Path(tmp)
        raws = synthetic_messages(beds, days, folder / "feeds")
        print(f"{len(raws)} HL7 messages of the synthetic hospital ({beds} beds, {days} day(s))")
        for mode in ("echo", "store"):
            for conns in (int(n) for n in args.connections.split(",")):
                rate, cpu, commits = _measure(mode, raws, conns, folder)
                per_commit = f", {len(raws) / commits:.1f} msg/commit" if commits else ""
                print(
                    f"  {mode:5s} {conns:2d} connection(s): {rate:8.0f} msg/s  "
                    f"(server CPU {cpu:4.0f} µs per message{per_commit})",
                    flush=True,
                )
    print(f"(load average at the end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
