"""Care screens: each view checks access first, reads through chart, journals the read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from autarcie.chart import queries
from autarcie.chart.access import can_request_break_glass, get_patient_for_user, is_carer
from autarcie.chart.actions import break_glass
from autarcie.chart.banner import may_record_care, summary_banner
from autarcie.chart.models import BreakGlassReason
from autarcie.chart.search import search as search_patients
from autarcie.core.access import acting_user, get_unit_for_user, role_required, units_for
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.roles import CARE_ROLES, Role
from autarcie.mirror.models import Patient
from autarcie.mirror.status import feed_health
from autarcie.viewer.context import data_context, parse_as_of
from autarcie.viewer.summary_page import summary_page

CARE = tuple(CARE_ROLES)
_PHARMACY_KINDS = frozenset({"prescription", "administration"})


@role_required()
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    context = {
        "units": units_for(user),
        "carer": is_carer(user),
        "silent_feeds": [f for f in feed_health() if f.silent],
        **data_context(),
    }
    return render(request, "viewer/home.html", context)


@role_required(*CARE)
def census(request: HttpRequest, unit_code: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_unit_for_user(user, unit_code)
    try:
        as_of = parse_as_of(request)
    except AutarcieError as exc:
        messages.error(request, str(exc))
        return redirect("viewer:census", unit_code=unit.code)
    rows = queries.census_as_of(unit.code, as_of) if as_of else queries.census(unit.code)
    record_read(
        Action.PATIENTS_LISTED,
        actor=user,
        target_type="unit",
        target_id=unit.code,
        details={
            "view": "census",
            "patients": [r.patient_id for r in rows],
            "as_of": as_of.isoformat() if as_of else None,
        },
    )
    context = {"unit": unit, "rows": rows, "units": units_for(user), **data_context(as_of)}
    return render(request, "viewer/census.html", context)


@role_required(*CARE)
def patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        found = get_patient_for_user(user, patient_id)
    except PermissionDenied:
        target = Patient.objects.filter(pk=patient_id).first()
        if target is not None and can_request_break_glass(user, target):
            return redirect("viewer:break_glass", patient_id=patient_id)
        raise
    summary = queries.summary(found)
    if not user.has_role(Role.PHYSICIAN, Role.NURSE, Role.SECRETARY):
        # A pharmacist reads what concerns drugs, not the notes of the care team.
        summary.downtime = [e for e in summary.downtime if e.kind in _PHARMACY_KINDS]
    record_read(
        Action.PATIENT_OPENED,
        actor=user,
        target_type="patient",
        target_id=found.pk,
        details={"view": "summary"},
    )
    context = {
        "s": summary,
        "page": summary_page(summary),
        "banner": summary_banner(summary),
        "record_care": may_record_care(user, found),
    }
    return render(request, "viewer/patient.html", context)


@role_required(*CARE)
def search(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    query = request.GET.get("q", "")
    results = search_patients(user, query)
    if results.query:
        record_read(
            Action.PATIENTS_LISTED,
            actor=user,
            target_type="search",
            details={"view": "search", "kind": results.kind, "patients": results.patient_ids},
        )
    return render(request, "viewer/search.html", {"results": results, **data_context()})


@role_required(*CARE)
def break_glass_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    target = Patient.objects.filter(pk=patient_id).first()
    if target is None or target.hidden:
        raise Http404
    if not can_request_break_glass(user, target):
        return redirect("viewer:patient", patient_id=patient_id)
    if request.method == "POST":
        try:
            break_glass(
                actor=user,
                patient=target,
                reason=request.POST.get("reason", ""),
                details=request.POST.get("details", ""),
            )
        except AutarcieError as exc:
            messages.error(request, _("Accès refusé : %(why)s") % {"why": exc})
        else:
            return redirect("viewer:patient", patient_id=patient_id)
    context = {"target": target, "reasons": BreakGlassReason.choices, **data_context()}
    return render(request, "viewer/break_glass.html", context)
