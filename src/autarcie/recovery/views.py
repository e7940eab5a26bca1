"""Recovery screens: the back-entry checklist, identity reconciliation, the downtime report."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from autarcie.care.models import TempPatient
from autarcie.core import clock
from autarcie.core.access import acting_user, role_required, units_for
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action, record
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.mirror.models import Patient
from autarcie.recovery import actions
from autarcie.recovery.checklist import KIND_LABELS, overview
from autarcie.recovery.models import IdentityLink
from autarcie.recovery.reconcile import candidates, live_link, unreconciled
from autarcie.recovery.report import build_report

WHOLE_HOSPITAL = (Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER, Role.IT_SECURITY, Role.ADMIN)
READERS = (Role.SECRETARY, *WHOLE_HOSPITAL)


def _scope(user: User) -> set[str] | None:
    """All units for the crisis cell and IT; one's own units for the admissions office."""
    if user.has_role(*WHOLE_HOSPITAL):
        return None
    return set(units_for(user).values_list("code", flat=True))


@role_required(*READERS)
def checklist(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    view = overview(_scope(user))
    context = {
        "view": view,
        "kinds": KIND_LABELS,
        "waiting_identities": len(unreconciled()),
        "can_reconcile": user.has_role(*actions.IDENTITY_ROLES),
    }
    return render(request, "recovery/checklist.html", context)


@role_required(*actions.IDENTITY_ROLES)
def identities(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rows: list[dict[str, object]] = []
    shown: list[int] = []
    temps = unreconciled()[:50]
    for temp in temps:
        found = candidates(temp)
        shown += [c.patient.pk for c in found]
        rows.append({"temp": temp, "link": live_link(temp), "candidates": found})
    record(
        Action.RECOVERY_IDENTITIES_VIEWED,
        actor=user,
        details={"temp_patients": [t.pk for t in temps], "patients": shown},
    )
    return render(request, "recovery/identities.html", {"rows": rows, "me": user.pk})


def _back(request: HttpRequest, call: Callable[[], None]) -> HttpResponse:
    """Run the action; a refusal is shown to the person, who stays on the page."""
    try:
        call()
    except AutarcieError as exc:
        messages.error(request, str(exc))
    return redirect("recovery:identities")


@require_POST
@role_required(*actions.IDENTITY_ROLES)
def propose(request: HttpRequest, temp_id: int) -> HttpResponse:
    user = acting_user(request)
    temp = get_object_or_404(TempPatient, pk=temp_id)
    choice = request.POST.get("patient", "")
    patient = None if choice == "new" else get_object_or_404(Patient, pk=int(choice or 0))
    found = {c.patient.pk: c.score for c in candidates(temp)} if patient else {}
    score = found.get(patient.pk, 0.0) if patient else 0.0

    def call() -> None:
        actions.propose_link(actor=user, temp=temp, patient=patient, score=score)
        messages.success(request, f"Proposition enregistrée pour {temp.tempid} : à confirmer.")

    return _back(request, call)


@require_POST
@role_required(*actions.IDENTITY_ROLES)
def confirm(request: HttpRequest, link_id: int) -> HttpResponse:
    user = acting_user(request)
    link = get_object_or_404(IdentityLink, pk=link_id)

    def call() -> None:
        actions.confirm_link(actor=user, link=link)
        messages.success(request, f"Identité {link.temp_patient.tempid} confirmée.")

    return _back(request, call)


@require_POST
@role_required(*actions.IDENTITY_ROLES)
def undo(request: HttpRequest, link_id: int) -> HttpResponse:
    user = acting_user(request)
    link = get_object_or_404(IdentityLink, pk=link_id)

    def call() -> None:
        actions.undo_link(actor=user, link=link, reason=request.POST.get("reason", ""))
        messages.success(request, f"Décision annulée pour {link.temp_patient.tempid}.")

    return _back(request, call)


@role_required(*READERS)
def report_pdf(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    view = overview(_scope(user))
    now = clock.now()
    data = build_report(view, hospital=settings.HOSPITAL_NAME, generated_at=now)
    record(
        Action.RECOVERY_REPORT_BUILT,
        actor=user,
        details={"records": view.total, "remaining": view.remaining},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="reprise-{now:%Y%m%d-%H%M}.pdf"'
    return response
