"""Sending SMS and reading replies, behind one wrapper with two adapters.

``GsmSpool`` talks to a GSM modem through the spool directories of Debian's smstools: it
keeps working when the internet is cut. ``HttpGateway`` posts to a configurable HTTP
gateway. Both answer the same three questions: send, what became of a message, replies.

The HTTP gateway contract (documented in docs/crisis.md): ``POST <url>/send`` with JSON
``{"to", "text"}`` answers ``{"id", "status"}``; ``GET <url>/status/<id>`` answers
``{"status"}``; ``GET <url>/incoming`` answers and consumes ``[{"id", "from", "text"}]``.
A gateway may instead push each reply to Autarcie's signed webhook (``webhook.py``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from autarcie.core.errors import ConfigurationError

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Sent:
    ref: str
    status: str  # "queued", "sent" or "failed"
    error: str = ""


@dataclass(frozen=True)
class Reply:
    sender: str
    text: str
    ref: str = ""  # the spool file name or the gateway's message id: one record per message


class SmsAdapter(Protocol):
    channel: str

    def send(self, to: str, text: str) -> Sent: ...
    def status(self, ref: str) -> str: ...
    def replies(self) -> list[Reply]: ...
    def acknowledge(self, ref: str) -> None: ...


def same_phone(a: str, b: str) -> bool:
    """+33 6 12 34 56 78, 0612345678 and 33612345678 are one phone: compare the last 9 digits."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return len(da) >= 9 and da[-9:] == db[-9:]


def international(phone: str) -> str:
    """smstools wants digits only, country code first (French numbers assumed)."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0") and len(digits) == 10:
        return "33" + digits[1:]
    return digits


class GsmSpool:
    """smstools: a file in ``outgoing/`` is sent, then moved to ``sent/`` or ``failed/``;
    a received message appears as a file in ``incoming/``."""

    channel = "gsm"

    def __init__(self, spool: Path) -> None:
        self.spool = spool

    def send(self, to: str, text: str) -> Sent:
        outgoing = self.spool / "outgoing"
        if not outgoing.is_dir():
            return Sent("", "failed", f"spool directory {outgoing} is missing")
        name = f"autarcie-{secrets.token_hex(8)}"
        body = f"To: {international(to)}\nAlphabet: UTF-8\n\n{text}\n"
        # Written beside, then renamed: the daemon must never pick up half a file.
        temp = self.spool / f".{name}.tmp"
        temp.write_text(body, encoding="utf-8")
        os.replace(temp, outgoing / name)
        return Sent(name, "queued")

    def status(self, ref: str) -> str:
        if (self.spool / "sent" / ref).exists():
            return "sent"
        if (self.spool / "failed" / ref).exists():
            return "failed"
        return "queued"

    def replies(self) -> list[Reply]:
        """The files waiting in ``incoming/``; each stays there until ``acknowledge``."""
        incoming = self.spool / "incoming"
        if not incoming.is_dir():
            return []
        found = []
        for path in sorted(incoming.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            found.append(parse_smstools_file(text, path.name) or Reply("", text.strip(), path.name))
        return found

    def acknowledge(self, ref: str) -> None:
        """Called once the reply is committed. Moved aside, never deleted: a reply nobody
        could match can still be read by a person."""
        done = self.spool / "autarcie-read"
        done.mkdir(exist_ok=True)
        source = self.spool / "incoming" / Path(ref).name
        if source.exists():
            os.replace(source, done / source.name)


def parse_smstools_file(text: str, ref: str = "") -> Reply | None:
    head, _, body = text.partition("\n\n")
    sender = ""
    for line in head.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "from":
            sender = value.strip()
    return Reply(sender, body.strip(), ref) if sender else None


class HttpGateway:
    channel = "http"

    def __init__(self, url: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError("AUTARCIE_SMS_HTTP_URL must be an http(s) URL")
        self.url = url.rstrip("/")

    def _call(self, path: str, payload: dict[str, str] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))

    def send(self, to: str, text: str) -> Sent:
        try:
            answer = self._call("/send", {"to": to, "text": text})
        except (OSError, ValueError) as exc:
            return Sent("", "failed", f"HTTP gateway: {exc}")
        return Sent(str(answer.get("id", "")), str(answer.get("status", "queued")))

    def status(self, ref: str) -> str:
        try:
            return str(self._call(f"/status/{ref}").get("status", "queued"))
        except (OSError, ValueError):
            return "queued"

    def replies(self) -> list[Reply]:
        answer = self._call("/incoming")
        return [
            Reply(str(r.get("from", "")), str(r.get("text", "")), str(r.get("id", "")))
            for r in answer
        ]

    def acknowledge(self, ref: str) -> None:
        """Nothing to do: the gateway hands each reply out once."""


def gateway() -> SmsAdapter | None:
    """The configured adapter, or None when SMS is not set up."""
    if settings.CRISIS_SMS_ADAPTER == "gsm":
        return GsmSpool(settings.CRISIS_SMS_SPOOL_DIR)
    if settings.CRISIS_SMS_ADAPTER == "http":
        return HttpGateway(settings.CRISIS_SMS_HTTP_URL)
    return None


# Reply codes: a letter that cannot be misread (no B/8, G/6, I/1, L, O/0, Q, S/5, Z/2) and
# two digits.
CODE_LETTERS = "ACDEFHJKMNPRTUVWXY"
_REPLY = re.compile(
    r"\s*(?:(?P<code>[A-Za-z]\d{2})\s*[-:.,]?\s*)?(?P<answer>[12])"
    r"(?:\s+(?P<eta>\d{1,4}))?\s*(?:min\w*)?\s*"
)


@dataclass(frozen=True)
class ParsedReply:
    code: str  # upper case; "" when the person wrote no code
    answer: str  # "available" or "unavailable"
    eta: int | None


def parse_reply(text: str) -> ParsedReply | None:
    """ "K47 1 20" (alert K47: available, arriving in 20 min), "K47 2", or without the code
    "1", "1 20", "2"; else None."""
    match = _REPLY.fullmatch(text)
    if match is None:
        return None
    answer = "available" if match.group("answer") == "1" else "unavailable"
    eta = int(match.group("eta")) if match.group("eta") and answer == "available" else None
    return ParsedReply((match.group("code") or "").upper(), answer, eta)


def parse_answer(text: str) -> tuple[str, int | None] | None:
    """The answer of a reply without its code (see ``parse_reply``)."""
    parsed = parse_reply(text)
    return (parsed.answer, parsed.eta) if parsed else None
