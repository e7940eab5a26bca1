"""Auditor pages: access review in words, break-glass review, who saw a record, unusual access."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from autarcie.chart.models import BreakGlass
from autarcie.core import clock
from autarcie.core.access import acting_user, role_required
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.roles import Role
from autarcie.mirror.models import Patient
from autarcie.viewer.access_review import review
from autarcie.viewer.unusual import patient_accesses, unusual_access

PARIS = ZoneInfo("Europe/Paris")


def _day(text: str) -> dt.date | None:
    """A day typed as JJ/MM/AAAA or given by a date field (AAAA-MM-JJ); None if unreadable."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 (a day)
        except ValueError:
            continue
    return None


@role_required(Role.AUDITOR, Role.ADMIN)
def access_review(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    typed = request.GET.get("jour", "")
    today = clock.now().astimezone(PARIS).date()
    day = _day(typed) if typed else today
    error = ""
    if day is None:
        error = _(
            "Date illisible : saisissez le jour au format JJ/MM/AAAA, par exemple 07/12/2026."
        )
        day = today
    start = dt.datetime.combine(day, dt.time(), tzinfo=PARIS)
    username = request.GET.get("utilisateur", "").strip()
    found = review(start, start + dt.timedelta(days=1), username)
    if found.patient_ids:
        record_read(
            Action.PATIENTS_LISTED,
            actor=user,
            target_type="journal",
            details={"view": "access_review", "patients": found.patient_ids},
        )
    context = {
        "lines": found.lines,
        "day": day,
        "typed": typed,
        "error": error,
        "username": username,
    }
    return render(request, "viewer/audit_review.html", context)


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
