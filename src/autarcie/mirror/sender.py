"""An HL7 v2 MLLP client: send messages as real senders do, one ACK awaited at a time.

Used by `autarcie hl7 send`, the demo and exports back to the HIS. Messages are spread over
the connections by patient (PID-3), so one patient's messages keep their order; each
connection waits for the ACK of a message before sending the next, and on a dropped
connection reconnects and sends the unanswered message again (the receiver answers a repeat
without applying it twice).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ssl
import time
import zlib
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autarcie.mirror.hl7.errors import MllpFramingError
from autarcie.mirror.hl7.mllp import MllpDecoder, frame

__all__ = [
    "AckReceived",
    "SendReport",
    "client_tls_context",
    "control_id_of",
    "read_ack",
    "send_messages",
]

NOT_ACKNOWLEDGED = "unsent"
INVALID_ACK = "invalid"
_RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class AckReceived:
    code: str  # MSA-1: AA, AE, AR (or CA/CE/CR), "invalid" when unreadable
    control_id: str  # MSA-2: the control id of the message answered
    text: str  # MSA-3


OnAck = Callable[[int, AckReceived], None]


@dataclass
class SendReport:
    total: int
    counts: Counter[str] = field(default_factory=Counter)
    reconnections: int = 0
    mismatched: int = 0  # ACKs whose MSA-2 did not name the message just sent
    elapsed: float = 0.0

    @property
    def acknowledged(self) -> int:
        return sum(n for code, n in self.counts.items() if code != NOT_ACKNOWLEDGED)

    @property
    def ok(self) -> bool:
        """Every message answered AA (or CA), each by its own ACK."""
        accepted = self.counts["AA"] + self.counts["CA"]
        return accepted == self.total and self.mismatched == 0

    def summary(self) -> str:
        rate = self.acknowledged / self.elapsed if self.elapsed > 0 else 0.0
        codes = ", ".join(
            f"{code} {self.counts[code]}"
            for code in sorted(self.counts)
            if code != NOT_ACKNOWLEDGED
        )
        return (
            f"{self.total} messages, {self.acknowledged} acknowledged in {self.elapsed:.1f} s "
            f"({rate:.0f} msg/s): {codes or 'none'}; not acknowledged "
            f"{self.counts[NOT_ACKNOWLEDGED]}; reconnections {self.reconnections}; "
            f"mismatched ACKs {self.mismatched}"
        )


def _fields(segment: bytes, separator: bytes) -> list[str]:
    return segment.decode("utf-8", errors="replace").split(separator.decode("latin-1"))


def _segments(raw: bytes) -> list[bytes]:
    return raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r")


def control_id_of(raw: bytes) -> str:
    """MSH-10 of a message, read without parsing the rest ("" when absent)."""
    if not raw.startswith(b"MSH") or len(raw) < 4:
        return ""
    fields = _fields(_segments(raw)[0], raw[3:4])
    return fields[9].split("^")[0] if len(fields) > 9 else ""


def _patient_key(raw: bytes) -> bytes:
    """PID-3 (the patient's identifiers), else MSH-10: the key that keeps order per patient."""
    separator = raw[3:4] if raw.startswith(b"MSH") else b"|"
    for segment in _segments(raw):
        if segment.startswith(b"PID" + separator):
            parts = segment.split(separator)
            if len(parts) > 3 and parts[3]:
                return parts[3]
    return control_id_of(raw).encode("utf-8")


def read_ack(payload: bytes) -> AckReceived:
    """The MSA of an ACK; an unreadable answer reads as code "invalid"."""
    if not payload.startswith(b"MSH") or len(payload) < 4:
        return AckReceived(INVALID_ACK, "", "")
    separator = payload[3:4]
    for segment in _segments(payload):
        if segment.startswith(b"MSA" + separator):
            values = [*_fields(segment, separator), "", "", ""]
            return AckReceived(values[1] or INVALID_ACK, values[2], values[3])
    return AckReceived(INVALID_ACK, "", "")


def client_tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A verifying TLS client context; `ca_file` trusts a private CA or self-signed cert."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def lanes(messages: Sequence[bytes], connections: int) -> list[list[int]]:
    """Indexes of the messages each connection sends, in order, grouped by patient."""
    result: list[list[int]] = [[] for _ in range(max(1, connections))]
    for index, raw in enumerate(messages):
        result[zlib.crc32(_patient_key(raw)) % len(result)].append(index)
    return [lane for lane in result if lane]


class _Link:
    """One MLLP connection of the client."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = MllpDecoder()
        self.ready: list[bytes] = []

    async def exchange(self, raw: bytes) -> bytes:
        self.writer.write(frame(raw))
        await self.writer.drain()
        while not self.ready:
            data = await self.reader.read(64 * 1024)
            if not data:
                raise ConnectionResetError("the receiver closed the connection")
            self.ready += self.decoder.feed(data)
        return self.ready.pop(0)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
            await self.writer.wait_closed()


@dataclass
class _Plan:
    messages: Sequence[bytes]
    host: str
    port: int
    tls: ssl.SSLContext | None
    retries: int
    ack_timeout: float
    on_ack: OnAck | None
    report: SendReport


async def _connect(plan: _Plan) -> _Link:
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            plan.host,
            plan.port,
            ssl=plan.tls,
            server_hostname=plan.host if plan.tls else None,
            limit=64 * 1024,
        ),
        plan.ack_timeout,
    )
    return _Link(reader, writer)


def _record(plan: _Plan, index: int, payload: bytes) -> None:
    ack = read_ack(payload)
    plan.report.counts[ack.code] += 1
    if ack.control_id != control_id_of(plan.messages[index]):
        plan.report.mismatched += 1
    if plan.on_ack is not None:
        plan.on_ack(index, ack)


async def _send_lane(plan: _Plan, indexes: list[int]) -> None:
    link: _Link | None = None
    failures = 0
    position = 0
    while position < len(indexes):
        index = indexes[position]
        try:
            if link is None:
                link = await _connect(plan)
            payload = await asyncio.wait_for(link.exchange(plan.messages[index]), plan.ack_timeout)
        except (OSError, TimeoutError, ssl.SSLError, MllpFramingError):
            if link is not None:
                await link.close()
                link = None
            failures += 1
            if failures > plan.retries:
                plan.report.counts[NOT_ACKNOWLEDGED] += len(indexes) - position
                return
            plan.report.reconnections += 1
            await asyncio.sleep(_RETRY_DELAYS[min(failures, len(_RETRY_DELAYS)) - 1])
            continue
        failures = 0
        position += 1
        _record(plan, index, payload)
    if link is not None:
        await link.close()


async def _send_all(plan: _Plan, connections: int) -> None:
    await asyncio.gather(*(_send_lane(plan, lane) for lane in lanes(plan.messages, connections)))


def _run(work: Coroutine[Any, Any, None]) -> None:
    """Run the sending loop; from code that already runs inside an event loop (an ASGI
    worker, a browser-driving test), in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(work)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


def send_messages(
    messages: Sequence[bytes],
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None = None,
    connections: int = 1,
    on_ack: OnAck | None = None,
    retries: int = 5,
    ack_timeout: float = 30.0,
) -> SendReport:
    """Send every message over MLLP and count the answers by ACK code.

    `on_ack(index, ack)` is called for each answer (index into `messages`). A message still
    unanswered after `retries` reconnections in a row is counted as "unsent", as are the
    messages queued behind it on its connection.
    """
    if connections < 1:
        raise ValueError("connections must be at least 1")
    report = SendReport(total=len(messages))
    plan = _Plan(messages, host, port, tls, retries, ack_timeout, on_ack, report)
    started = time.perf_counter()
    try:
        _run(_send_all(plan, connections))
    finally:
        report.elapsed = time.perf_counter() - started
    return report
