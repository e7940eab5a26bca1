"""The HL7 v2 MLLP listener: many connections, answers in order, each ACK sent after its commit.

Connections are served by one asyncio loop; every complete frame is queued to the single
writer thread (`listener_commit.Committer`), which commits everything queued as one batch. A
connection writes its ACKs in the order its messages arrived, each once its batch committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autarcie.core import clock
from autarcie.core.errors import ConfigurationError
from autarcie.mirror.hl7.ack import build_batch_ack, build_nack_for_unparseable
from autarcie.mirror.hl7.batch import Batch, is_batch, read_batch
from autarcie.mirror.hl7.errors import Hl7ParseError, MllpFramingError
from autarcie.mirror.hl7.mllp import DEFAULT_MAX_FRAME, MllpDecoder, frame
from autarcie.mirror.ingest import Outcome, Received
from autarcie.mirror.listener_commit import (
    DEFAULT_BATCH_MAX,
    BatchFailed,
    Committer,
    ListenerStopping,
)
from autarcie.mirror.senders import SenderPolicy

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class ListenerOptions:
    host: str = "127.0.0.1"
    port: int = 2575
    tls: ssl.SSLContext | None = None
    batch_max: int = DEFAULT_BATCH_MAX
    max_frame: int = DEFAULT_MAX_FRAME


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS 1.2+ server context from PEM files, with a clear error when they do not load."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"cannot load the TLS certificate {cert} with key {key}: {exc}"
        ) from exc
    return context


def decode(decoder: MllpDecoder, data: bytes) -> tuple[list[bytes], list[str]]:
    """Frames completed by `data` and the framing faults met on the way (none is lost)."""
    frames: list[bytes] = []
    faults: list[str] = []
    while True:
        try:
            frames += decoder.feed(data)
        except MllpFramingError as exc:
            # The decoder stops at the fault; feeding nothing goes on with what it still holds.
            frames += exc.frames
            faults.append(exc.reason)
            data = b""
            continue
        return frames, faults


def _is_oversize(fault: str) -> bool:
    # Both of the decoder's size faults start so; other faults may quote arbitrary bytes.
    return fault.startswith("MLLP frame larger than")


def _batch_of(raw: bytes, peer: str) -> Batch | None:
    """The batch a frame holds, or None for one message (or a batch that cannot be cut,
    which then goes whole to quarantine and is refused there)."""
    if not is_batch(raw):
        return None
    try:
        return read_batch(raw)
    except Hl7ParseError:
        log.warning("HL7 batch from %s holds no readable message: refused whole", peer)
        return None


def _answer(batch: Batch | None, outcomes: list[Outcome]) -> bytes:
    """What one frame gets back: its ACK, the batch of its messages' ACKs, or nothing."""
    acks = [outcome.ack for outcome in outcomes if outcome.ack]
    if batch is None or not acks:
        return acks[0] if acks else b""
    return build_batch_ack(
        acks,
        file_header=batch.file_header,
        batch_header=batch.batch_header,
        now=clock.now(),
        control_id=uuid.uuid4().hex[:20],
    )


def _peer_address(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
    # An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; the policy names IPv4.
    return address.removeprefix("::ffff:") if "." in address else address


class _Connection:
    """One client connection: read frames, queue them, answer them in arrival order."""

    def __init__(
        self, listener: Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ):
        self.listener = listener
        self.reader = reader
        self.writer = writer
        self.peer = _peer_address(writer)
        self.decoder = MllpDecoder(listener.options.max_frame)
        self.reading = False
        self.task = asyncio.current_task()

    async def serve(self) -> None:
        try:
            while not self.listener.stopping:
                self.reading = True
                data = await self.reader.read(READ_SIZE)
                self.reading = False
                if not data or not await self._handle(data):
                    break
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            log.info("HL7 connection from %s dropped: %s", self.peer, type(exc).__name__)
        except (BatchFailed, ListenerStopping) as exc:
            log.warning("HL7 connection from %s closed without answer: %s", self.peer, exc)
        finally:
            if self.decoder.in_frame or self.decoder.pending:
                log.warning(
                    "HL7 connection from %s closed with %d bytes of an unfinished frame "
                    "(never acknowledged)",
                    self.peer,
                    self.decoder.pending,
                )
            self.writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
                await self.writer.wait_closed()

    async def _handle(self, data: bytes) -> bool:
        """Queue and answer what `data` completes; False when the connection must close."""
        frames, faults = decode(self.decoder, data)
        received_at = clock.now()
        committer = self.listener.committer
        if committer is None:
            raise ListenerStopping("the HL7 listener is not running")
        groups: list[tuple[Batch | None, list[asyncio.Future[Outcome]]]] = []
        for raw in frames:
            batch = _batch_of(raw, self.peer)
            items = batch.messages if batch is not None else (raw,)
            futures = [committer.submit(Received(one, self.peer, received_at)) for one in items]
            groups.append((batch, futures))
        oversize = [fault for fault in faults if _is_oversize(fault)]
        # Said before the answers go out; the fault text may quote the dropped bytes: log what
        # happened, never the bytes.
        for _ in oversize:
            log.warning("HL7 frame from %s over the size limit: refused (AR)", self.peer)
        if len(oversize) < len(faults):
            log.warning("HL7 framing fault from %s: bytes outside a frame dropped", self.peer)
        for batch, futures in groups:
            answer = _answer(batch, [await future for future in futures])
            if answer:
                self.writer.write(frame(answer))
        for fault in oversize:
            nack = build_nack_for_unparseable(
                b"", fault, clock.now(), uuid.uuid4().hex[:20], error_code="100"
            )
            self.writer.write(frame(nack))
        await self.writer.drain()
        return not oversize


class Listener:
    """The asyncio side: accept connections and hand frames to the committer."""

    def __init__(self, options: ListenerOptions, policy: SenderPolicy) -> None:
        self.options = options
        self.policy = policy
        self.stopping = False
        self.port = options.port
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._stop_requested = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.committer: Committer | None = None

    async def start(self) -> None:
        """Bind, then start the writer (which journals the start); raise if either fails."""
        self._loop = asyncio.get_running_loop()
        try:
            self._server = await asyncio.start_server(
                self._accept,
                self.options.host,
                self.options.port,
                ssl=self.options.tls,
                reuse_address=True,
                limit=READ_SIZE,
            )
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {self.options.host}:{self.options.port}: {exc.strerror}"
            ) from exc
        self.port = int(self._server.sockets[0].getsockname()[1])
        details: dict[str, str | int] = {
            "host": self.options.host,
            "port": self.port,
            "tls": int(self.options.tls is not None),
        }
        committer = Committer(
            self.policy, self._loop, batch_max=self.options.batch_max, details=details
        )
        try:
            await asyncio.to_thread(committer.start)
        except BaseException:
            self._server.close()
            raise
        self.committer = committer

    def request_stop(self) -> None:
        """Ask for a graceful stop; safe from any thread and from signal handlers."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._stop_requested.set)

    async def run_until_stopped(self) -> None:
        await self._stop_requested.wait()
        await self.stop()

    async def stop(self) -> None:
        """Stop accepting, answer what is in flight, commit the queue, close everything."""
        self.stopping = True
        if self._server is not None:
            self._server.close()
        for connection in self._connections:
            if connection.reading:  # idle: nothing of it is queued, close it now
                connection.writer.close()
        tasks = [c.task for c in self._connections if c.task is not None]
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
        if self.committer is not None:
            await asyncio.to_thread(self.committer.close)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = _Connection(self, reader, writer)
        if self.stopping:
            writer.close()
            return
        self._connections.add(connection)
        try:
            await connection.serve()
        finally:
            self._connections.discard(connection)


def _watch_stdin(on_eof: Callable[[], None]) -> None:
    """Stop when the parent closes our stdin: `autarcie serve` ending, however it ends."""

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            while os.read(0, 4096):  # the raw fd: no buffered-reader lock at shutdown
                pass
        on_eof()

    threading.Thread(target=watch, name="hl7-parent-watch", daemon=True).start()


async def _main(
    listener: Listener, *, stop_with_parent: bool, announce: Callable[[int], None]
) -> None:
    await listener.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, listener.request_stop)
    if stop_with_parent:
        _watch_stdin(listener.request_stop)
    announce(listener.port)
    await listener.run_until_stopped()


def run_listener(
    options: ListenerOptions,
    policy: SenderPolicy,
    *,
    stop_with_parent: bool = False,
    announce: Callable[[int], None] | None = None,
) -> Listener:
    """Serve until SIGTERM/SIGINT (or the parent's end); returns the stopped listener."""
    listener = Listener(options, policy)
    asyncio.run(
        _main(listener, stop_with_parent=stop_with_parent, announce=announce or (lambda _: None))
    )
    return listener
