"""The satellite's calls to its main instance: enrol once, then pull and push.

The one outbound-HTTP wrapper is :func:`post`; everything it carries after enrolment is an
envelope sealed to the other side and signed, so the LAN sees no patient data even over HTTP.
"""

from __future__ import annotations

import json
import secrets
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from autarcie.care.models import CareEntry, TempPatient
from autarcie.core import clock
from autarcie.core.journal import entry_as_dict
from autarcie.core.models import JournalEntry
from autarcie.resilience import satellite_link as local
from autarcie.resilience.models import SatelliteLink, SyncedEntry
from autarcie.resilience.satellite_apply import Applied
from autarcie.resilience.satellite_crypto import (
    PULL,
    PUSH,
    PUSH_ACK,
    SNAPSHOT,
    EnvelopeRefused,
    KeyPair,
    SatelliteError,
    enrolment_proof,
    open_envelope,
    seal,
)
from autarcie.resilience.satellite_rows import dumps, fields_of

TIMEOUT = 60.0


class MainUnreachable(SatelliteError):
    """The main instance did not answer; the satellite keeps serving what it holds."""


class Revoked(SatelliteError):
    """The main instance revoked this satellite."""


def _context(url: str, ca_file: str) -> ssl.SSLContext | None:
    if not url.startswith("https:"):
        return None
    return ssl.create_default_context(cafile=ca_file or None)


def post(url: str, data: bytes, *, content_type: str, ca_file: str = "") -> bytes:
    """POST and return the body; a refusal becomes SatelliteError with the main's reason."""
    if not url.startswith(("http://", "https://")):
        raise SatelliteError(f"the main instance's address must start with http(s)://: {url}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked just above)
        url, data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 (scheme checked above)
            request, timeout=TIMEOUT, context=_context(url, ca_file)
        ) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        try:
            reason = str(json.loads(exc.read()).get("error", exc.reason))
        except ValueError:
            reason = str(exc.reason)
        if "révoqué" in reason:
            raise Revoked(f"the main instance refused: {reason}") from None
        raise SatelliteError(f"the main instance refused ({exc.code}): {reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        why = getattr(exc, "reason", exc)
        raise MainUnreachable(f"the main instance at {url} did not answer ({why})") from None


def _api(base: str, verb: str) -> str:
    return f"{base.rstrip('/')}/satellite/api/{verb}/"


def enrol(*, main_url: str, code: str, ca_file: str = "") -> SatelliteLink:
    """Pair this instance with the main one, using the code shown on its admin page."""
    from django.conf import settings

    keys = KeyPair.generate()
    mine = {"sign_public": keys.sign_public, "box_public": keys.box_public}
    request = {"code": code, "site": settings.SITE_CODE, **mine}
    raw = post(
        _api(main_url, "enrol"),
        json.dumps(request).encode(),
        content_type="application/json",
        ca_file=ca_file,
    )
    reply = json.loads(raw)
    answer = reply.get("answer")
    expected = enrolment_proof(code, answer, mine) if isinstance(answer, dict) else ""
    if not expected or not secrets.compare_digest(expected, str(reply.get("proof", ""))):
        raise SatelliteError(
            "the answer does not prove knowledge of the code: another machine answered; "
            "nothing was stored"
        )
    return local.store_link(answer=answer, keys=keys, main_url=main_url, ca_file=ca_file)


def _exchange(link: SatelliteLink, verb: str, kind: int, body: dict[str, Any]) -> bytes:
    envelope = seal(
        body,
        kind=kind,
        link_id=link.uid,
        recipient_box=link.main_box_public,
        sender_sign=link.sign_private,
    )
    return post(
        _api(link.main_url, verb),
        envelope,
        content_type="application/octet-stream",
        ca_file=link.ca_file,
    )


def _open(link: SatelliteLink, raw: bytes, kind: int, echo: str) -> dict[str, Any]:
    body = open_envelope(
        raw,
        kind=kind,
        link_id=link.uid,
        recipient_box=link.box_private,
        sender_sign=link.main_sign_public,
    )
    if body.get("echo") != echo:
        raise EnvelopeRefused("the answer is not the one to this request (a replay?)")
    return body


@dataclass(frozen=True)
class SyncReport:
    applied: Applied
    bytes: int
    seconds: float
    pushed: int


def pull(link: SatelliteLink) -> tuple[Applied, int]:
    """One pull, applied; a refused snapshot is journaled and nothing of it is kept."""
    echo = secrets.token_hex(16)
    body = {
        "at": clock.now().isoformat(),
        "echo": echo,
        "have": link.digests,
        # So the main can delegate a new range before this satellite runs out.
        "tempids_left": local.tempids_left(link),
        "tempid_ranges": local.known_ranges(link),
    }
    try:
        raw = _exchange(link, "pull", PULL, body)
    except Revoked:
        local.record_revoked()
        raise
    except MainUnreachable as exc:
        local.record_failure(reason=str(exc), refused=False)
        raise
    try:
        snapshot = _open(link, raw, SNAPSHOT, echo)
    except EnvelopeRefused as exc:
        local.record_failure(reason=str(exc), refused=True)
        raise SatelliteError(
            f"snapshot refused: {exc}; nothing was applied, the satellite keeps its data"
        ) from None
    return local.record_synced(link=link, body=snapshot, size=len(raw)), len(raw)


def _unpushed() -> list[CareEntry]:
    known = SyncedEntry.objects.filter(chain=OuterRef("chain"), version=OuterRef("version"))
    return list(
        CareEntry.objects.filter(~Exists(known))
        .select_related("patient", "temp_patient", "author")
        .order_by("pk")
    )


def _entry_row(entry: CareEntry) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(
        dumps({name: getattr(entry, name) for name in fields_of(CareEntry)})
    )
    row["subject"] = (
        f"t:{entry.temp_patient.tempid}" if entry.temp_patient else f"p:{entry.patient.rkey}"  # type: ignore[union-attr]
    )
    row["author_username"] = entry.author.username if entry.author else ""
    return row


def push(link: SatelliteLink) -> int:
    """Send care written here and the journal since the last push; return entries sent."""
    entries = _unpushed()
    temp_ids = {e.temp_patient_id for e in entries if e.temp_patient_id is not None}
    temps = [
        json.loads(dumps({name: getattr(t, name) for name in fields_of(TempPatient)}))
        for t in TempPatient.objects.filter(pk__in=temp_ids)
    ]
    journal = [
        entry_as_dict(j) for j in JournalEntry.objects.filter(seq__gt=link.journal_pushed_seq)
    ]
    echo = secrets.token_hex(16)
    body = {
        "at": clock.now().isoformat(),
        "echo": echo,
        "temps": temps,
        "entries": [_entry_row(e) for e in entries],
        "journal": journal,
    }
    raw = _exchange(link, "push", PUSH, body)
    ack = _open(link, raw, PUSH_ACK, echo)
    local.record_pushed(
        accepted=list(ack["accepted"]),
        journal_upto=int(ack["journal_upto"]),
        created=int(ack["created"]),
    )
    return len(entries)


def sync() -> SyncReport:
    """Pull and apply, then push what was written here: the satellite's whole round."""
    started = time.perf_counter()
    applied, size = pull(local.current_link())
    pushed = push(local.current_link())
    return SyncReport(applied, size, time.perf_counter() - started, pushed)
