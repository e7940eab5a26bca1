"""Repeated HL7 control ids: a resend is told from a reused MSH-10 by the message's content.

A sender may send a message again (its ACK was lost): same (sender, MSH-10), same content, it is
acknowledged again and applied once. A sender whose counter restarted (a rebuilt interface
engine) sends new messages under old MSH-10s: same key, different content. Acknowledging those
as duplicates would lose them silently, so they are answered AE, kept in quarantine with both
digests, journaled, and raise a warning wherever feed health is shown.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from autarcie.mirror.models import Inbound, InboundState
from autarcie.mirror.store import Sql

# The quarantine reason of a reused control id starts with this: the feed warning counts them.
REUSED_PREFIX = "MSH-10 reused with different content"
_SEGMENT_BREAK = re.compile(rb"[\r\n]+")


def content_digest(raw: bytes) -> str:
    """SHA-256 of the segments, whatever their line ends: a re-framed resend is the same."""
    segments = [s for s in _SEGMENT_BREAK.split(raw.strip()) if s]
    return hashlib.sha256(b"\r".join(segments)).hexdigest()


def same_content(sql: Sql, first_id: int, first_sha256: str, raw: bytes) -> bool:
    """Whether ``raw`` is the message kept as inbound ``first_id`` (digest ``first_sha256``)."""
    if hashlib.sha256(raw).hexdigest() == first_sha256:
        return True
    sql.execute("SELECT raw FROM mirror_inbound WHERE id = %s", [first_id])
    row = sql.fetchone()
    return row is not None and content_digest(bytes(row[0])) == content_digest(raw)


def reused_reason(control_id: str, first_id: int, first_sha256: str, sha256: str) -> str:
    """The quarantine reason, in plain words, with both digests (no patient data)."""
    return (
        f"{REUSED_PREFIX}: MSH-10 {control_id!r} was already received as message "
        f"n° {first_id} (sha256 {first_sha256}); this one differs (sha256 {sha256}). "
        "Kept, not applied: check the sender's message counter, then reprocess or discard it"
    )


def ack_text(control_id: str) -> str:
    """MSA-3 and ERR-8: what happened and what the sender should do."""
    return (
        f"MSH-10 {control_id} was already used by another message with different content: "
        "this one is kept in quarantine and not applied; resend it under a new MSH-10"
    )


def kept_already(sql: Sql, sender: str, sha256: str) -> int | None:
    """The quarantined copy of this very message, when it was received (and answered) before."""
    sql.execute(
        "SELECT id FROM mirror_inbound WHERE feed = 'hl7' AND sender = %s "
        "AND control_id IS NULL AND sha256 = %s AND reason LIKE %s",
        [sender, sha256, f"{REUSED_PREFIX}%"],
    )
    row = sql.fetchone()
    return int(row[0]) if row else None


def waiting_by_sender() -> Counter[tuple[str, str]]:
    """(feed, sender) -> reused-control-id messages still in quarantine (a person must decide)."""
    rows = Inbound.objects.filter(
        state=InboundState.QUARANTINED, reason__startswith=REUSED_PREFIX
    ).values_list("feed", "sender")
    return Counter((feed, sender) for feed, sender in rows)
