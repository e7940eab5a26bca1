"""Critical-care beds: the current table, updates, history, printable sheet and CSV."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from autarcie.care import access, bed_actions, beds
from autarcie.care.fields import CareInputError
from autarcie.core import clock
from autarcie.core.access import acting_user, can_access_unit, role_required
from autarcie.core.journal import Action, record
from autarcie.core.models import Unit

READERS = tuple(access.BED_READ_ROLES)


def _int(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        label = bed_actions.BED_LABELS[name]
        raise CareInputError(
            {name: f"{label} : un nombre entier, « {text} » n'en est pas un."}
        ) from None


@role_required(*READERS)
def board(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    lines = beds.current_beds()
    writable = {
        line.unit_code
        for line in lines
        if user.has_role(*access.BED_WRITE_ROLES) and can_access_unit(user, line.unit_code)
    }
    context = {"lines": lines, "totals": beds.totals(lines), "writable": writable}
    return render(request, "care/beds.html", context)


@role_required(*access.BED_WRITE_ROLES)
def update(request: HttpRequest, unit_code: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_object_or_404(Unit, code=unit_code)
    access.check_beds(user, unit.code, write=True)
    if request.method == "POST":
        try:
            if request.POST.get("from_census"):
                bed_actions.update_beds_from_census(actor=user, unit=unit)
            else:
                bed_actions.update_beds(
                    actor=user,
                    unit=unit,
                    available=_int(request.POST.get("available", ""), "available"),
                    occupied=_int(request.POST.get("occupied", ""), "occupied"),
                    closed=_int(request.POST.get("closed", "0") or "0", "closed"),
                )
        except CareInputError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Disponibilité de {unit.label} mise à jour.")
    return redirect("care:beds")


@role_required(*READERS)
def unit_history(request: HttpRequest, unit_code: str) -> HttpResponse:
    acting_user(request)
    unit = get_object_or_404(Unit, code=unit_code)
    context = {"unit": unit, "reports": beds.bed_history(unit.code)}
    return render(request, "care/bed_history.html", context)


@role_required(*READERS)
def sheet(request: HttpRequest) -> HttpResponse:
    acting_user(request)
    lines = beds.current_beds()
    context = {"lines": lines, "totals": beds.totals(lines), "printed_at": clock.now()}
    return render(request, "care/beds_sheet.html", context)


@role_required(*READERS)
def export_csv(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    lines = beds.current_beds()
    record(
        Action.CARE_BEDS_EXPORTED,
        actor=user,
        target_type="beds",
        details={"units": [line.unit_code for line in lines], "format": "csv"},
    )
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        beds.beds_csv(lines, settings.HOSPITAL_NAME), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="lits-critiques-{stamp}.csv"'
    return response
