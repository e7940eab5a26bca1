"""SMS replies coming in: from the smstools spool, the gateway's pull, or its signed webhook.

Each reply is recorded once per (channel, message id), matched to its alert by the reply code
written first ("K47 1 20"), or, without a code, to the latest unanswered alert sent to that
phone; journaled whatever its outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from autarcie.core import clock
from autarcie.core.journal import Action, Actor, record
from autarcie.crisis import sms
from autarcie.crisis.alert_actions import _answer
from autarcie.crisis.models import InboundOutcome, InboundSms, Recipient

SMS_ACTOR = "system:crisis-sms"


@dataclass(frozen=True)
class Received:
    inbound: InboundSms
    duplicate: bool  # this message was already recorded: nothing was applied again


def _open_recipients() -> list[Recipient]:
    return list(
        Recipient.objects.select_for_update()
        .select_related("alert")
        .filter(alert__crisis__closed_at__isnull=True)
        .exclude(phone="")
        .order_by("-alert__created_at", "-pk")
    )


def match(reply: sms.Reply, parsed: sms.ParsedReply) -> tuple[Recipient | None, str]:
    """The recipient this reply answers, and the outcome if it were applied now."""
    same_phone = [r for r in _open_recipients() if sms.same_phone(r.phone, reply.sender)]
    if parsed.code:
        same_phone = [r for r in same_phone if r.alert.reply_code == parsed.code]
        if not same_phone:
            return None, InboundOutcome.UNMATCHED
        target = same_phone[0]
        return target, InboundOutcome.ALREADY if target.answer else InboundOutcome.MATCHED
    unanswered = next((r for r in same_phone if not r.answer), None)
    return unanswered, InboundOutcome.MATCHED if unanswered else InboundOutcome.UNMATCHED


def receive(*, actor: Actor, channel: str, reply: sms.Reply) -> Received:
    """Record one reply and apply it to its alert; idempotent per (channel, ``reply.ref``)."""
    ref = reply.ref or f"{reply.sender}:{clock.now().isoformat()}"
    known = InboundSms.objects.filter(channel=channel, ref=ref).first()
    if known is not None:
        return Received(known, duplicate=True)
    parsed = sms.parse_reply(reply.text)
    try:
        with transaction.atomic():
            recipient, outcome = match(reply, parsed) if parsed else (None, InboundOutcome.UNPARSED)
            inbound = InboundSms.objects.create(
                channel=channel,
                ref=ref[:200],
                sender=reply.sender[:40],
                text=reply.text[:480],
                received_at=clock.now(),
                outcome=outcome,
                recipient=recipient,
            )
            if parsed and recipient and outcome == InboundOutcome.MATCHED:
                _answer(recipient, parsed.answer, parsed.eta, "sms", actor)
            # Neither the phone number nor the text goes into the journal: the row keeps them.
            record(
                Action.CRISIS_SMS_RECEIVED,
                actor=actor,
                target_type="crisis_inbound_sms",
                target_id=inbound.pk,
                details={
                    "channel": channel,
                    "outcome": outcome,
                    "code": parsed.code if parsed else "",
                    "recipient": recipient.pk if recipient else None,
                    "alert": recipient.alert_id if recipient else None,
                },
            )
    except IntegrityError:
        # The same message recorded meanwhile by another worker: theirs stands.
        return Received(InboundSms.objects.get(channel=channel, ref=ref[:200]), duplicate=True)
    return Received(inbound, duplicate=False)


def poll_replies(
    *, actor: Actor = SMS_ACTOR, adapter: sms.SmsAdapter | None = None
) -> dict[str, int]:
    """Collect what the configured adapter holds; each reply is released once committed."""
    adapter = adapter if adapter is not None else sms.gateway()
    counts = {"matched": 0, "unmatched": 0}
    if adapter is None:
        return counts
    for reply in adapter.replies():
        received = receive(actor=actor, channel=adapter.channel, reply=reply)
        adapter.acknowledge(reply.ref)
        if not received.duplicate:
            matched = received.inbound.outcome == InboundOutcome.MATCHED
            counts["matched" if matched else "unmatched"] += 1
    return counts
