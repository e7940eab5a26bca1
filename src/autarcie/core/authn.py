"""Password and second-factor login, with throttling and a journal entry for every attempt."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from autarcie.core import throttle, totp
from autarcie.core.journal import Action, record
from autarcie.core.models import TotpDevice, User

# Django's check_password on an unknown user would answer faster than on a known one;
# hashing a dummy password keeps the timing the same.
_DUMMY = User(username="-")
_DUMMY.set_password("timing-equaliser-not-a-password")


@dataclass(frozen=True)
class LoginResult:
    user: User | None = None
    needs_second_factor: bool = False
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def attempt_password(username: str, password: str, address: str) -> LoginResult:
    keys = throttle.keys_for(username, address)
    wait = throttle.seconds_blocked(keys)
    if wait:
        record(
            Action.LOGIN_THROTTLED,
            actor="system:auth",
            target_type="user",
            target_id=username[:100],
            details={"address": address, "wait_seconds": wait},
        )
        return LoginResult(wait_seconds=wait)
    user = User.objects.filter(username=username).first()
    valid = user.check_password(password) if user else _DUMMY.check_password(password)
    if not (user and valid and user.is_active):
        _failed(username, address, keys, "bad_credentials" if valid is False else "inactive")
        return LoginResult()
    throttle.clear(keys[0])
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is not None:
        return LoginResult(user=user, needs_second_factor=True)
    record(
        Action.LOGIN_SUCCEEDED,
        actor=user,
        target_type="user",
        target_id=user.pk,
        details={"address": address, "second_factor": False},
    )
    return LoginResult(user=user)


def attempt_second_factor(user: User, code: str, address: str) -> LoginResult:
    keys = throttle.keys_for(user.username, address)
    wait = throttle.seconds_blocked(keys)
    if wait:
        return LoginResult(wait_seconds=wait)
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        ok = (
            device is not None and device.confirmed_at is not None and totp.check_code(device, code)
        )
    if not ok:
        ok = totp.use_recovery_code(user, code)
    if not ok:
        record(
            Action.SECOND_FACTOR_FAILED,
            actor=user,
            target_type="user",
            target_id=user.pk,
            details={"address": address},
        )
        throttle.register_failure(keys)
        return LoginResult()
    record(
        Action.LOGIN_SUCCEEDED,
        actor=user,
        target_type="user",
        target_id=user.pk,
        details={"address": address, "second_factor": True},
    )
    return LoginResult(user=user)


def _failed(username: str, address: str, keys: tuple[str, str], reason: str) -> None:
    delay = throttle.register_failure(keys)
    record(
        Action.LOGIN_FAILED,
        actor="system:auth",
        target_type="user",
        target_id=username[:100],
        details={"address": address, "reason": reason, "delay_seconds": delay},
    )
