"""Auditor pages: break-glass review, who saw a record, unusual access."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from autarcie.chart.models import BreakGlass
from autarcie.core import clock
from autarcie.core.access import acting_user, role_required
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.roles import Role
from autarcie.mirror.models import Patient
from autarcie.viewer.unusual import patient_accesses, unusual_access


@role_required(Role.AUDITOR, Role.ADMIN)
def break_glass_review(request: HttpRequest) -> HttpResponse:
    since = clock.now() - dt.timedelta(days=30)
    grants = BreakGlass.objects.filter(at__gte=since).select_related("user", "patient")
    return render(
        request, "viewer/audit_break_glass.html", {"grants": grants.order_by("-at")[:500]}
    )


@role_required(Role.AUDITOR, Role.ADMIN)
def who_saw(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    target = get_object_or_404(Patient, pk=patient_id)
    accesses = patient_accesses(target.pk)
    record_read(
        Action.PATIENT_OPENED,
        actor=user,
        target_type="patient",
        target_id=target.pk,
        details={"view": "access_review"},
    )
    return render(request, "viewer/audit_who_saw.html", {"target": target, "accesses": accesses})


@role_required(Role.AUDITOR)
def unusual(request: HttpRequest) -> HttpResponse:
    return render(request, "viewer/audit_unusual.html", {"findings": unusual_access(clock.now())})
