"""HL7 ingestion: one transaction per batch (group commit); a failing message costs itself alone.

Every message ends in the inbound table with its raw bytes, whatever happens to it; the ACK is
built here but sent by the caller only after the batch has committed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from autarcie.core.errors import log_failure
from autarcie.core.journal import Action, record
from autarcie.mirror import hl7_apply, resends
from autarcie.mirror.hl7.ack import AckCode, build_ack, build_nack_for_unparseable
from autarcie.mirror.hl7.errors import Hl7ParseError, Hl7SemanticError
from autarcie.mirror.hl7.interpret import interpret
from autarcie.mirror.hl7.pam import RefusedEvent, UnknownEvent
from autarcie.mirror.hl7.parser import Message, parse_message
from autarcie.mirror.models import InboundState
from autarcie.mirror.senders import SenderPolicy
from autarcie.mirror.state import is_frozen
from autarcie.mirror.status import count_feed
from autarcie.mirror.store import Origin, Sql, Store

log = logging.getLogger(__name__)

HELD_TEXT = "held: mirror frozen"
ACK_TEXT = "an acknowledgement: kept, never answered (an ACK is not acknowledged)"


@dataclass(frozen=True)
class Received:
    raw: bytes
    peer: str
    received_at: dt.datetime


@dataclass(frozen=True)
class Outcome:
    ack: bytes  # empty when nothing is to be answered (an ACK received)
    code: str
    state: str
    inbound_id: int | None
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class _Heading:
    """What the inbound row and the duplicate check need of MSH, read once per message."""

    sender: str  # MSH-3^MSH-4
    control_id: str
    event: str  # MSH-9.1^MSH-9.2


def _heading(msg: Message) -> _Heading:
    msh = msg.msh
    return _Heading(
        f"{msh.text(3)}^{msh.text(4)}", msg.control_id, f"{msg.message_code}^{msg.trigger_event}"
    )


def _ack_code(text: str) -> AckCode:
    return "AR" if text == "AR" else "AE" if text == "AE" else "AA"


def _control_id() -> str:
    return uuid.uuid4().hex[:20]


class Hl7Batch:
    """Ingests a batch of received messages inside the caller's single transaction."""

    def __init__(self, policy: SenderPolicy, now: dt.datetime, *, safe: bool = False) -> None:
        self.policy = policy
        self.now = now
        self.safe = safe  # one savepoint per message: the slow path, after a failure
        # (sender, MSH-10) -> (inbound id, ACK code, state, sha256 of the raw bytes)
        self.known: dict[tuple[str, str], tuple[int, str, str, str]] = {}
        self.sql = Sql(connection.cursor())  # shared by the message stores: the driver's cursor
        self.frozen = is_frozen()
        self.accepted: dict[tuple[str, str], bool] = {}  # (peer, sender): the policy's answer
        self.states: Counter[str] = Counter()
        self.inbound_ids: list[int] = []
        self.digest = hashlib.sha256()
        self.senders: Counter[tuple[str, str]] = Counter()

    def ack(self, msg: Message, code: AckCode, text: str = "", **err: str) -> bytes:
        return build_ack(
            msg,
            code,
            text,
            now=self.now,
            control_id=_control_id(),
            error_code=err.get("error_code"),
            error_location=err.get("location"),
        )

    def _keep(
        self,
        item: Received,
        *,
        sender: str,
        control_id: str | None,
        event: str,
        state: str,
        reason: str = "",
        location: str = "",
        ack_code: str = "",
    ) -> int:
        """Insert the inbound row: the raw bytes are kept whatever becomes of the message."""
        at = self.sql.instant(item.received_at)
        sha256 = hashlib.sha256(item.raw).hexdigest()
        inbound_id = self.sql.insert(
            "INSERT INTO mirror_inbound (feed, sender, control_id, event, received_at, raw, "
            "sha256, state, reason, error_location, ack_code, applied_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                "hl7",
                sender,
                control_id,
                event,
                at,
                item.raw,
                sha256,
                state,
                reason,
                location,
                ack_code,
                at if state == InboundState.APPLIED else None,
            ],
        )
        if control_id is not None:
            self.known[(sender, control_id)] = (inbound_id, ack_code, state, sha256)
        self.inbound_ids.append(inbound_id)
        self.states[state] += 1
        self.senders[(sender, state)] += 1
        return inbound_id

    def run(self, items: Sequence[Received]) -> list[Outcome]:
        parsed: list[tuple[Message, _Heading] | Hl7ParseError] = []
        for item in items:
            try:
                msg = parse_message(item.raw)
            except Hl7ParseError as exc:
                parsed.append(exc)
            else:
                parsed.append((msg, _heading(msg)))
        self._look_up([found[1] for found in parsed if isinstance(found, tuple)])
        return [self.one(item, found) for item, found in zip(items, parsed, strict=True)]

    def _look_up(self, headings: list[_Heading]) -> None:
        """Find, in one query, which of these messages were already received (a resend)."""
        if not headings:
            return
        senders = {heading.sender for heading in headings}
        controls = {heading.control_id for heading in headings}
        by_sender = ", ".join(["%s"] * len(senders))
        by_control = ", ".join(["%s"] * len(controls))
        # Placeholders only: every value is a parameter.
        sql = (
            "SELECT id, sender, control_id, ack_code, state, sha256 "  # noqa: S608
            "FROM mirror_inbound "
            f"WHERE feed = 'hl7' AND sender IN ({by_sender}) AND control_id IN ({by_control})"
        )
        self.sql.execute(sql, [*senders, *controls])
        for row in self.sql.fetchall():
            self.known[(str(row[1]), str(row[2]))] = (
                int(row[0]),
                str(row[3]),
                str(row[4]),
                str(row[5]),
            )

    def one(self, item: Received, found: tuple[Message, _Heading] | Hl7ParseError) -> Outcome:
        self.digest.update(item.raw)
        if isinstance(found, Hl7ParseError):
            inbound_id = self._keep(
                item,
                sender=f"?@{item.peer}",
                control_id=None,
                event="",
                state=InboundState.QUARANTINED,
                reason=found.reason,
                location=found.location,
                ack_code="AR",
            )
            ack = build_nack_for_unparseable(
                item.raw,
                found.reason,
                self.now,
                _control_id(),
                error_code=found.code,
                error_location=found.location,
            )
            return Outcome(ack, "AR", InboundState.QUARANTINED, inbound_id)
        msg, heading = found
        if msg.message_code == "ACK":
            return self._keep_ack(item, heading)
        if not self._accepts(item.peer, heading.sender):
            return self._refuse_sender(item, msg, heading.sender, heading.event)
        seen = self.known.get((heading.sender, heading.control_id))
        if seen is not None and not resends.same_content(self.sql, seen[0], seen[3], item.raw):
            return self._reused(item, msg, heading, seen)
        if seen is not None:
            return Outcome(
                self.ack(msg, _ack_code(seen[1]), "duplicate: already received"),
                seen[1],
                seen[2],
                seen[0],
                duplicate=True,
            )
        return self._meaning(item, msg, heading)

    def _reused(
        self, item: Received, msg: Message, heading: _Heading, first: tuple[int, str, str, str]
    ) -> Outcome:
        """Same (sender, MSH-10), different content: a new message under a reused control id.

        Answered AE, kept in quarantine (once, however often it is resent) and journaled."""
        text = resends.ack_text(heading.control_id)
        ack = self.ack(msg, "AE", text, error_code="205", location="MSH^1^10")
        sha256 = hashlib.sha256(item.raw).hexdigest()
        kept = resends.kept_already(self.sql, heading.sender, sha256)
        if kept is not None:
            return Outcome(ack, "AE", InboundState.QUARANTINED, kept, duplicate=True)
        reason = resends.reused_reason(heading.control_id, first[0], first[3], sha256)
        inbound_id = self._keep(
            item,
            sender=heading.sender,
            control_id=None,  # the key belongs to the first message
            event=heading.event,
            state=InboundState.QUARANTINED,
            reason=reason,
            location="MSH^1^10",
            ack_code="AE",
        )
        record(
            Action.FEED_CONTROL_ID_REUSED,
            actor="system:hl7-listener",
            target_type="inbound",
            target_id=inbound_id,
            details={
                "sender": heading.sender,
                "control_id": heading.control_id,
                "first_inbound": first[0],
                "first_sha256": first[3],
                "sha256": sha256,
            },
        )
        return Outcome(ack, "AE", InboundState.QUARANTINED, inbound_id)

    def _accepts(self, peer: str, sender: str) -> bool:
        """The sender policy's answer, asked once per batch for each peer and sender."""
        key = (peer, sender)
        accepted = self.accepted.get(key)
        if accepted is None:
            accepted = self.accepted[key] = self.policy.accepts(peer, sender)
        return accepted

    def _keep_ack(self, item: Received, heading: _Heading) -> Outcome:
        """An ACK sent to us is kept and never answered: answering would start a loop."""
        accepted = self._accepts(item.peer, heading.sender)
        state = InboundState.IGNORED if accepted else InboundState.REFUSED
        sender = heading.sender if accepted else f"{heading.sender}@{item.peer}"
        inbound_id = self._keep(
            item, sender=sender, control_id=None, event=heading.event, state=state, reason=ACK_TEXT
        )
        # Who and which row, never the message: an ACK may quote a refused message's data.
        log.info("HL7 ACK from %s kept as inbound %s, not answered", item.peer, inbound_id)
        return Outcome(b"", "", state, inbound_id)

    def _refuse_sender(self, item: Received, msg: Message, sender: str, event: str) -> Outcome:
        text = "sender not accepted by this Autarcie instance"
        # From an accepted address, MSH-3^MSH-4 is what the policy refused: name that field.
        location = "MSH^1^3" if self.policy.accepts_address(item.peer) else ""
        inbound_id = self._keep(
            item,
            sender=f"{sender}@{item.peer}",
            control_id=None,
            event=event,
            state=InboundState.REFUSED,
            reason=text,
            location=location,
            ack_code="AR",
        )
        record(
            Action.FEED_SENDER_REJECTED,
            actor="system:hl7-listener",
            target_type="inbound",
            target_id=inbound_id,
            details={"peer": item.peer, "sender": sender},
        )
        return Outcome(
            self.ack(msg, "AR", text, error_code="207", location=location),
            "AR",
            InboundState.REFUSED,
            inbound_id,
        )

    def _meaning(self, item: Received, msg: Message, heading: _Heading) -> Outcome:
        base = {"sender": heading.sender, "control_id": heading.control_id, "event": heading.event}
        try:
            meaning = interpret(msg)
        except Hl7SemanticError as exc:
            inbound_id = self._keep(
                item,
                **base,
                state=InboundState.QUARANTINED,
                reason=exc.reason,
                location=exc.location,
                ack_code=exc.ack_code,
            )
            ack = self.ack(
                msg,
                _ack_code(exc.ack_code),
                exc.reason,
                error_code=str(exc.code),
                location=exc.location,
            )
            return Outcome(ack, exc.ack_code, InboundState.QUARANTINED, inbound_id)
        if isinstance(meaning, RefusedEvent):
            inbound_id = self._keep(
                item,
                **base,
                state=InboundState.REFUSED,
                reason=meaning.reason,
                location=meaning.location,
                ack_code="AR",
            )
            ack = self.ack(
                msg, "AR", meaning.reason, error_code=str(meaning.code), location=meaning.location
            )
            return Outcome(ack, "AR", InboundState.REFUSED, inbound_id)
        if isinstance(meaning, UnknownEvent):
            inbound_id = self._keep(
                item, **base, state=InboundState.IGNORED, reason=meaning.reason, ack_code="AA"
            )
            return Outcome(
                self.ack(msg, "AA", meaning.reason), "AA", InboundState.IGNORED, inbound_id
            )
        if self.frozen:
            inbound_id = self._keep(item, **base, state=InboundState.HELD, ack_code="AA")
            return Outcome(self.ack(msg, "AA", HELD_TEXT), "AA", InboundState.HELD, inbound_id)
        return self._apply(item, msg, meaning, base)

    def _apply(
        self, item: Received, msg: Message, meaning: object, base: dict[str, str]
    ) -> Outcome:
        inbound_id = self._keep(item, **base, state=InboundState.APPLIED, ack_code="AA")
        store = Store(self.sql, Origin(inbound_id, "hl7", item.received_at))
        if not self.safe:
            try:
                hl7_apply.apply(store, meaning)  # type: ignore[arg-type]
            except Exception as exc:
                raise _Redo from exc  # the batch is redone in safe mode, a savepoint a message
            return Outcome(self.ack(msg, "AA"), "AA", InboundState.APPLIED, inbound_id)
        try:
            with transaction.atomic():
                hl7_apply.apply(store, meaning)  # type: ignore[arg-type]
        except Exception as exc:  # a bug must cost one message, not the batch: quarantine it
            log_failure(log, "applying inbound %s failed", inbound_id)
            reason = f"internal error while applying: {type(exc).__name__}"
            self.sql.execute(
                "UPDATE mirror_inbound SET state = %s, reason = %s, ack_code = 'AE', "
                "applied_at = NULL WHERE id = %s",
                [InboundState.QUARANTINED, reason, inbound_id],
            )
            first = self.known[(base["sender"], base["control_id"])]
            self.known[(base["sender"], base["control_id"])] = (
                inbound_id,
                "AE",
                InboundState.QUARANTINED,
                first[3],
            )
            self.states[InboundState.APPLIED] -= 1
            self.states[InboundState.QUARANTINED] += 1
            self.senders[(base["sender"], InboundState.APPLIED)] -= 1
            self.senders[(base["sender"], InboundState.QUARANTINED)] += 1
            return Outcome(
                self.ack(msg, "AE", reason, error_code="207"),
                "AE",
                InboundState.QUARANTINED,
                inbound_id,
            )
        return Outcome(self.ack(msg, "AA"), "AA", InboundState.APPLIED, inbound_id)

    def close(self) -> None:
        if not self.inbound_ids:
            return
        count_feed("hl7", self.senders, self.now)
        record(
            Action.FEED_BATCH_COMMITTED,
            actor="system:hl7-listener",
            target_type="inbound",
            target_id=f"{min(self.inbound_ids)}-{max(self.inbound_ids)}",
            details={
                "feed": "hl7",
                "count": len(self.inbound_ids),
                "first_id": min(self.inbound_ids),
                "last_id": max(self.inbound_ids),
                "sha256": self.digest.hexdigest(),
                "states": dict(sorted(self.states.items())),
            },
        )


class _Redo(Exception):
    """A message failed to apply in fast mode: the whole batch is rolled back and redone."""


def ingest_hl7_batch(
    items: Sequence[Received], policy: SenderPolicy, now: dt.datetime
) -> list[Outcome]:
    """Commit every message of the batch, or none; the ACKs are valid only after return.

    The batch first runs without a savepoint per message (they cost as much as the work), its
    statements pipelined on PostgreSQL; if a message fails to apply, or the database refuses
    anything, everything is rolled back and the batch redone statement by statement with one
    savepoint per message, so a failure costs its message alone (or, if the database itself
    fails, the batch is not committed and nothing is acknowledged).
    """
    for safe in (False, True):
        try:
            with transaction.atomic():
                batch = Hl7Batch(policy, now, safe=safe)
                with contextlib.nullcontext() if safe else batch.sql.pipelined():
                    outcomes = batch.run(items)
                    batch.close()
        except _Redo:
            continue
        except DatabaseError:
            if safe:
                raise
            # Pipelined, an error may surface statements after its cause: find it safely.
            log.info("HL7 batch of %d messages redone one message at a time", len(items))
            continue
        return outcomes
    raise AssertionError("unreachable: the safe pass never redoes")
