"""Every human change to the mirror: freeze, unfreeze, held input, quarantine, retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action, Actor, record
from autarcie.mirror.models import Inbound, InboundState, MirrorState, Version
from autarcie.mirror.reprocess import reapply


def freeze(*, actor: Actor, reason: str) -> MirrorState:
    """Stop applying feed input; it is still received, kept and acknowledged."""
    if not reason.strip():
        raise AutarcieError("a freeze needs a reason (it goes in the journal)")
    with transaction.atomic():
        state, _ = MirrorState.objects.select_for_update().get_or_create(pk=1)
        if state.frozen:
            return state
        state.frozen, state.frozen_at, state.reason = True, clock.now(), reason.strip()
        state.save()
        record(
            Action.MIRROR_FROZEN,
            actor=actor,
            target_type="mirror",
            target_id=1,
            details={"reason": state.reason},
        )
    return state


def unfreeze(*, actor: Actor, reason: str = "") -> MirrorState:
    """Apply feed input again; what was held stays held until someone decides.

    The command line may omit the reason; the page asks for one, and the journal keeps it."""
    with transaction.atomic():
        state, _ = MirrorState.objects.select_for_update().get_or_create(pk=1)
        if not state.frozen:
            return state
        held = Inbound.objects.filter(state=InboundState.HELD).count()
        since = state.frozen_at
        state.frozen, state.frozen_at, state.reason = False, None, ""
        state.save()
        record(
            Action.MIRROR_UNFROZEN,
            actor=actor,
            target_type="mirror",
            target_id=1,
            details={
                "held_waiting": held,
                "frozen_since": since.isoformat() if since else "",
                "reason": reason.strip(),
            },
        )
    return state


def apply_held(*, actor: Actor, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Apply held input in the order it was received. Refused while the mirror is frozen."""
    counts = {"applied": 0, "quarantined": 0}
    with transaction.atomic():
        if MirrorState.objects.filter(pk=1, frozen=True).exists():
            raise AutarcieError("the mirror is frozen: unfreeze it before applying held input")
        rows = Inbound.objects.filter(state=InboundState.HELD).order_by("received_at", "id")
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        for inbound in rows:
            counts[reapply(inbound)] += 1
        record(Action.HELD_APPLIED, actor=actor, target_type="mirror", target_id=1, details=counts)
    return counts


def discard(*, actor: Actor, ids: Iterable[int], reason: str, states: Iterable[str]) -> int:
    """Set held or quarantined input aside for good, with a reason. The bytes are kept."""
    if not reason.strip():
        raise AutarcieError("discarding input needs a reason")
    wanted = list(states)
    with transaction.atomic():
        rows = Inbound.objects.select_for_update().filter(pk__in=list(ids), state__in=wanted)
        chosen = list(rows.values_list("pk", flat=True))
        for pk in chosen:
            Inbound.objects.filter(pk=pk).update(
                state=InboundState.DISCARDED, reason=f"discarded: {reason.strip()}"
            )
        action = (
            Action.HELD_DISCARDED if wanted == [InboundState.HELD] else Action.QUARANTINE_DISCARDED
        )
        record(
            action,
            actor=actor,
            target_type="inbound",
            target_id=",".join(map(str, chosen)),
            details={"count": len(chosen), "reason": reason.strip()},
        )
    return len(chosen)


def reprocess(*, actor: Actor, inbound_id: int) -> str:
    """Try a quarantined message again (after a fix); returns its new state."""
    with transaction.atomic():
        inbound = Inbound.objects.select_for_update().get(pk=inbound_id)
        if inbound.state != InboundState.QUARANTINED:
            raise AutarcieError(f"inbound {inbound_id} is {inbound.state}, not quarantined")
        if MirrorState.objects.filter(pk=1, frozen=True).exists():
            raise AutarcieError("the mirror is frozen: unfreeze it before reprocessing")
        state = reapply(inbound)
        record(
            Action.QUARANTINE_REPROCESSED,
            actor=actor,
            target_type="inbound",
            target_id=inbound_id,
            details={"state": state},
        )
    return state


def purge_versions(*, actor: Actor, older_than: dt.timedelta) -> int:
    """Delete versions older than the retention age that are not the current one of their
    resource. Never silent: journaled with the count and the cut-off."""
    if older_than <= dt.timedelta(0):
        raise AutarcieError("the retention age must be positive")
    cutoff = clock.now() - older_than
    with transaction.atomic():
        old = Version.objects.filter(received_at__lt=cutoff)
        latest: dict[tuple[str, str], int] = {}
        for rtype, rkey, version in Version.objects.values_list("rtype", "rkey", "version"):
            key = (rtype, rkey)
            latest[key] = max(latest.get(key, 0), version)
        doomed = [
            pk
            for pk, rtype, rkey, version in old.values_list("pk", "rtype", "rkey", "version")
            if latest[(rtype, rkey)] != version
        ]
        Version.objects.filter(pk__in=doomed).delete()
        record(
            Action.VERSIONS_PURGED,
            actor=actor,
            target_type="mirror",
            target_id=1,
            details={"count": len(doomed), "cutoff": cutoff.isoformat()},
        )
    return len(doomed)
