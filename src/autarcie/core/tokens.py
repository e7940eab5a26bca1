"""Bearer tokens for the FHIR API: created, revoked and checked here, every step journaled.

A token is 256 random bits shown once; the database keeps only its SHA-256, so a copy of the
database (or of a backup) lets nobody call the API. SHA-256 without a salt is enough here
because the token is random and long: there is nothing to guess from a dictionary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from autarcie.core import clock
from autarcie.core.errors import AccessDenied, AutarcieError
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import ApiToken, User
from autarcie.core.roles import Role

PREFIX = "autarcie_"
DEFAULT_DAYS = 90
MAX_DAYS = 365
# Writing "last used" on every request would turn each API read into one more write.
LAST_USED_PRECISION = dt.timedelta(minutes=5)


class TokenRejected(AutarcieError):
    """A presented token is unknown, revoked or expired, or its user was deactivated."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"token rejected: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Issued:
    """A new token: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(*, actor: Actor, user: User, name: str, days: int = DEFAULT_DAYS) -> Issued:
    """A new token for ``user``: by the user for herself, or by the command line."""
    if isinstance(actor, User) and actor.pk != user.pk and not actor.has_role(Role.ADMIN):
        raise AccessDenied("only an administrator creates a token for someone else")
    if not user.is_active:
        raise AutarcieError(f"user {user.username} is deactivated: reactivate it first")
    if not 1 <= days <= MAX_DAYS:
        raise AutarcieError(f"a token lasts between 1 and {MAX_DAYS} days, not {days}")
    label = " ".join(name.split())[:120] or "API FHIR"
    secret = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=label,
            digest=digest_of(secret),
            hint=secret[: len(PREFIX) + 3],
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        record(
            Action.TOKEN_CREATED,
            actor=actor,
            target_type="api_token",
            target_id=token.pk,
            details={"user": user.pk, "name": label, "days": days},
        )
    return Issued(token, secret)


def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke now; revoking twice is harmless and journaled once."""
    if isinstance(actor, User) and actor.pk != token.user_id and not actor.has_role(Role.ADMIN):
        raise AccessDenied("only its owner or an administrator revokes a token")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = clock.now()
            locked.save(update_fields=["revoked_at"])
            record(
                Action.TOKEN_REVOKED,
                actor=actor,
                target_type="api_token",
                target_id=locked.pk,
                details={"user": locked.user_id},
            )
    return locked


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def _reject(reason: str, token: ApiToken | None, address: str) -> TokenRejected:
    # Never the token itself: the journal is read by auditors and exported.
    record(
        Action.TOKEN_REJECTED,
        actor="system:fhir-api",
        target_type="api_token",
        target_id=token.pk if token else "",
        details={"reason": reason, "address": address},
    )
    return TokenRejected(reason)


def authenticate(secret: str, *, address: str) -> User:
    """The user a presented token stands for; journal and raise TokenRejected otherwise."""
    wanted = digest_of(secret)
    token = ApiToken.objects.select_related("user").filter(digest=wanted).first()
    # The lookup is by digest; compare again in constant time so timing says nothing.
    if token is None or not hmac.compare_digest(token.digest, wanted):
        raise _reject("unknown", None, address)
    now = clock.now()
    if token.revoked_at is not None:
        raise _reject("revoked", token, address)
    if token.expires_at <= now:
        raise _reject("expired", token, address)
    if not token.user.is_active:
        raise _reject("user_inactive", token, address)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
