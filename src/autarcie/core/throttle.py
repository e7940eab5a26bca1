"""Progressive throttling of failed logins, per (account, address) pair and per address.

Never a permanent lock-out: an attacker elsewhere on the network must not be able to lock a
physician out of her own workstation, so the account is throttled together with the address
the failures come from, and every delay ends by itself.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction

from autarcie.core import clock
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import LoginThrottle

# Failures older than this are forgotten.
_FORGET_AFTER = dt.timedelta(hours=1)
_BASE_DELAY_SECONDS = 30
# An address may fail more often than a pair: a shared ward PC serves many people.
_ADDRESS_FACTOR = 4


def keys_for(username: str, address: str) -> tuple[str, str]:
    return f"pair:{username.lower()}|{address}", f"addr:{address}"


def _free_failures(key: str) -> int:
    free: int = settings.THROTTLE_FREE_FAILURES
    return free * _ADDRESS_FACTOR if key.startswith("addr:") else free


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures: doubling, capped."""
    if failures <= free:
        return 0
    cap: int = settings.THROTTLE_MAX_DELAY_SECONDS
    exponent = min(failures - free - 1, 20)
    return min(cap, _BASE_DELAY_SECONDS * int(math.pow(2, exponent)))


def seconds_blocked(keys: tuple[str, ...]) -> int:
    """How long these keys must still wait; 0 when a login may be tried."""
    moment = clock.now()
    waits = [
        math.ceil((t.blocked_until - moment).total_seconds())
        for t in LoginThrottle.objects.filter(key__in=keys, blocked_until__gt=moment)
        if t.blocked_until is not None
    ]
    return max(waits, default=0)


def register_failure(keys: tuple[str, ...]) -> int:
    """Count one more failure for every key; return the longest delay now imposed."""
    moment = clock.now()
    longest = 0
    with transaction.atomic():
        for key in keys:
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
            if row.last_failure and moment - row.last_failure > _FORGET_AFTER:
                row.failures = 0
            row.failures += 1
            row.last_failure = moment
            delay = delay_after(row.failures, _free_failures(key))
            row.blocked_until = moment + dt.timedelta(seconds=delay) if delay else None
            row.save()
            longest = max(longest, delay)
    return longest


def clear(key: str) -> None:
    LoginThrottle.objects.filter(key=key).delete()


def lift(*, actor: Actor, key: str) -> bool:
    """An administrator lifts a throttle; journaled."""
    with transaction.atomic():
        deleted, _ = LoginThrottle.objects.filter(key=key).delete()
        if deleted:
            record(Action.THROTTLE_LIFTED, actor=actor, target_type="throttle", target_id=key)
    return bool(deleted)
