"""Apply one stored inbound message again: held input after a freeze, quarantine after a fix."""

from __future__ import annotations

import logging

from django.db import connection, transaction

from autarcie.core import clock
from autarcie.core.errors import log_failure
from autarcie.mirror import hl7_apply
from autarcie.mirror.hl7.errors import Hl7Error
from autarcie.mirror.hl7.interpret import interpret
from autarcie.mirror.hl7.pam import RefusedEvent, UnknownEvent
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.models import Inbound, InboundState
from autarcie.mirror.store import Origin, Store

log = logging.getLogger(__name__)


def _apply_hl7(inbound: Inbound) -> str:
    meaning = interpret(parse_message(bytes(inbound.raw)))
    if isinstance(meaning, RefusedEvent):
        raise Hl7Error(meaning.reason)
    if isinstance(meaning, UnknownEvent):
        return InboundState.IGNORED
    store = Store(connection.cursor(), Origin(inbound.pk, inbound.feed, inbound.received_at))
    hl7_apply.apply(store, meaning)
    return InboundState.APPLIED


def _apply(inbound: Inbound) -> str:
    if inbound.feed == "hl7":
        return _apply_hl7(inbound)
    from autarcie.mirror.fhir_import import reapply_inbound  # the FHIR feed's own path

    return reapply_inbound(inbound)


def reapply(inbound: Inbound) -> str:
    """Apply in a savepoint; a failure leaves the message quarantined with its new reason."""
    try:
        with transaction.atomic():
            state = _apply(inbound)
    except Hl7Error as exc:
        state, inbound.reason = InboundState.QUARANTINED, str(exc)
    except Exception as exc:  # kept in quarantine with the error type, never lost
        log_failure(log, "reapplying inbound %s failed", inbound.pk)
        state = InboundState.QUARANTINED
        inbound.reason = f"internal error while applying: {type(exc).__name__}"
    inbound.state = state
    inbound.applied_at = clock.now() if state == InboundState.APPLIED else None
    inbound.save(update_fields=["state", "reason", "applied_at"])
    return "applied" if state in (InboundState.APPLIED, InboundState.IGNORED) else "quarantined"
