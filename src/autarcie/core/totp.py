"""TOTP second factor and single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from django.db import transaction

from autarcie.core import clock
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import RecoveryCode, TotpDevice, User

ISSUER = "Autarcie"
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG, drawn here: no external service sees the secret."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return svg


def start_enrolment(user: User) -> TotpDevice:
    """Create (or renew) an unconfirmed device; the secret becomes active once confirmed."""
    device, _ = TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": new_secret(), "confirmed_at": None, "last_used_step": 0}
    )
    return device


def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(clock.now().timestamp()) // totp.interval
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(device: TotpDevice, code: str) -> bool:
    """Accept a code once: a replayed code within its window is refused."""
    step = _matching_step(device.secret, code)
    if step is None or step <= device.last_used_step:
        return False
    device.last_used_step = step
    device.save(update_fields=["last_used_step"])
    return True


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def issue_recovery_codes(*, actor: Actor, user: User) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        user.recovery_codes.all().delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_hash_code(c)) for c in codes
        )
        record(
            Action.RECOVERY_CODES_ISSUED,
            actor=actor,
            target_type="user",
            target_id=user.pk,
            details={"count": len(codes)},
        )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    digest = _hash_code(code.strip())
    with transaction.atomic():
        row = (
            user.recovery_codes.select_for_update()
            .filter(code_hash=digest, used_at__isnull=True)
            .first()
        )
        if row is None:
            return False
        row.used_at = clock.now()
        row.save(update_fields=["used_at"])
        record(Action.RECOVERY_CODE_USED, actor=user, target_type="user", target_id=user.pk)
    return True


def confirm_enrolment(*, actor: Actor, device: TotpDevice, code: str) -> bool:
    with transaction.atomic():
        if not check_code(device, code):
            return False
        device.confirmed_at = clock.now()
        device.save(update_fields=["confirmed_at"])
        record(Action.TOTP_ENROLLED, actor=actor, target_type="user", target_id=device.user_id)
    return True


def enrol_with_secret(*, actor: Actor, user: User, secret: str) -> TotpDevice:
    """Enrol a known secret directly (the demo prints it beside the password)."""
    with transaction.atomic():
        device, _ = TotpDevice.objects.update_or_create(
            user=user, defaults={"secret": secret, "confirmed_at": clock.now()}
        )
        record(Action.TOTP_ENROLLED, actor=actor, target_type="user", target_id=user.pk)
    return device


def reset(*, actor: Actor, user: User) -> None:
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        user.recovery_codes.all().delete()
        record(Action.TOTP_RESET, actor=actor, target_type="user", target_id=user.pk)


def has_confirmed_device(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
