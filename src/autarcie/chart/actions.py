"""Changes the read model records: break-glass grants (journaled, reviewable)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from autarcie.chart.access import BREAK_GLASS_HOURS, can_request_break_glass
from autarcie.chart.models import BreakGlass, BreakGlassReason
from autarcie.core import clock
from autarcie.core.errors import AccessDenied, AutarcieError
from autarcie.core.journal import Action, record
from autarcie.core.models import User
from autarcie.mirror.models import Patient


def break_glass(*, actor: User, patient: Patient, reason: str, details: str) -> BreakGlass:
    if not can_request_break_glass(actor, patient):
        raise AccessDenied("break-glass is not available for this patient")
    if reason not in BreakGlassReason.values:
        raise AutarcieError("choisissez un motif dans la liste")
    if reason == BreakGlassReason.OTHER and not details.strip():
        raise AutarcieError("le motif « autre » doit être précisé par écrit")
    now = clock.now()
    with transaction.atomic():
        grant = BreakGlass.objects.create(
            user=actor,
            patient=patient,
            reason=reason,
            details=details.strip()[:300],
            at=now,
            expires_at=now + dt.timedelta(hours=BREAK_GLASS_HOURS),
        )
        record(
            Action.BREAK_GLASS,
            actor=actor,
            target_type="patient",
            target_id=patient.pk,
            details={"reason": reason, "text": grant.details, "hours": BREAK_GLASS_HOURS},
        )
    return grant
