"""The HTTP SMS gateway's inbound webhook: signature, freshness, rate limit, refusals.

Contract (docs/crisis.md): ``POST /crise/sms/entrant/`` with a JSON body
``{"id", "from", "text"}`` and two headers: ``X-Autarcie-Timestamp`` (Unix seconds) and
``X-Autarcie-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<raw body>"`` under
the shared secret ``AUTARCIE_SMS_WEBHOOK_SECRET``. A request older or newer than five
minutes is refused; a message id already recorded is answered as a duplicate and not
applied again, so a captured request cannot be replayed to change an answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.db import transaction

from autarcie.core import clock
from autarcie.core.journal import Action, record
from autarcie.crisis.models import WebhookWindow

TIMESTAMP_HEADER = "X-Autarcie-Timestamp"
SIGNATURE_HEADER = "X-Autarcie-Signature"
MAX_SKEW = dt.timedelta(minutes=5)
WINDOW = dt.timedelta(minutes=1)
WEBHOOK_ACTOR = "system:sms-webhook"
MAX_BODY = 4096


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_signature(
    secret: str, timestamp: str, given: str, body: bytes, now: dt.datetime
) -> str | None:
    """None when the request is authentic and fresh, else the reason (English, for the log)."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12 or not given:
        return "missing timestamp or signature"
    sent_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - sent_at) > MAX_SKEW:
        return "timestamp outside five minutes"
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        return "bad signature"
    return None


@dataclass(frozen=True)
class Message:
    ref: str
    sender: str
    text: str


def parse_body(body: bytes) -> Message | str:
    """The message, or why the body is refused."""
    if len(body) > MAX_BODY:
        return "body too large"
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "body is not JSON"
    if not isinstance(data, dict):
        return "body is not a JSON object"
    fields = [data.get(k) for k in ("id", "from", "text")]
    if not all(isinstance(f, str) and f.strip() for f in fields[:2]) or not isinstance(
        fields[2], str
    ):
        return "id, from and text are required strings"
    ref, sender, text = (str(f) for f in fields)
    if len(ref) > 200 or len(sender) > 40:
        return "id or from too long"
    return Message(ref.strip(), sender.strip(), text)


def allow(address: str, per_minute: int) -> tuple[bool, bool]:
    """(allowed, first refusal of this window) for one more request from ``address``."""
    now = clock.now()
    with transaction.atomic():
        window, _ = WebhookWindow.objects.select_for_update().get_or_create(
            address=address[:64], defaults={"started_at": now}
        )
        if now - window.started_at >= WINDOW:
            window.started_at, window.count = now, 0
        window.count += 1
        window.save()
    return window.count <= per_minute, window.count == per_minute + 1


def reject(*, address: str, reason: str) -> None:
    """Journal a refused request: an attempt to forge replies must leave a trace."""
    with transaction.atomic():
        record(
            Action.CRISIS_SMS_WEBHOOK_REJECTED,
            actor=WEBHOOK_ACTOR,
            target_type="crisis_sms_webhook",
            details={"address": address, "reason": reason},
        )
