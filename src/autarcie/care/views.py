"""Downtime screens about patients: census, temporary admission, patient record, forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString

from autarcie.care import access, actions
from autarcie.care.banner import build as build_banner
from autarcie.care.display import (
    FORMS,
    WRITTEN_AT,
    bind,
    entry_rows,
    entry_rows_html,
    trail_rows,
    trail_rows_html,
)
from autarcie.care.fields import CareInputError
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.queries import Subject, current, history, ward_lines
from autarcie.care.validation import DoseWarning
from autarcie.core import notices
from autarcie.core.access import acting_user, get_unit_for_user, role_required, units_for
from autarcie.core.errors import AutarcieError
from autarcie.core.html_rows import row_url
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.models import JournalEntry
from autarcie.core.notices import redirect_saved
from autarcie.core.roles import Role
from autarcie.mirror.state import current as mirror_state

CLERKS = tuple(access.PATIENT_ROLES)
for _kind, _label in EntryKind.choices:
    notices.register(f"care-{_kind}", f"{_label} enregistré(e).")
# The patient's last journal lines on the record page; the care journal page has them all.
TRAIL_LINES = 30


@role_required()
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    context = {
        "units": units_for(user),
        "frozen": mirror_state().frozen,
        "clerk": user.has_role(*CLERKS),
        "stock": user.has_role(*access.STOCK_ROLES),
        "beds": user.has_role(*access.BED_READ_ROLES),
        "auditor": user.has_role(Role.AUDITOR, Role.ADMIN, Role.CRISIS_DIRECTOR),
    }
    return render(request, "care/home.html", context)


@role_required(*CLERKS)
def census(request: HttpRequest, unit_code: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_unit_for_user(user, unit_code)
    lines = ward_lines(unit.code)
    record_read(
        Action.PATIENTS_LISTED,
        actor=user,
        target_type="unit",
        target_id=unit.code,
        details={
            "view": "care_census",
            "patients": [w.subject_id for w in lines if w.subject_kind == "patient"],
            "temp_patients": [w.subject_id for w in lines if w.subject_kind == "temp"],
        },
    )
    context = {"unit": unit, "lines": lines, "frozen": mirror_state().frozen}
    return render(request, "care/census.html", context)


def _form_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, context, status=status)


@role_required(*CLERKS)
def admit(request: HttpRequest, unit_code: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_unit_for_user(user, unit_code)
    access.check_write(user, EntryKind.IDENTITY)
    values: dict[str, Any] = dict(request.POST.items()) if request.method == "POST" else {}
    errors: dict[str, str] = {}
    duplicates: list[Any] = []
    if request.method == "POST":
        try:
            temp = actions.admit_temporary(
                actor=user,
                identity=values,
                unit_code=unit.code,
                room=values.get("room", ""),
                bed=values.get("bed", ""),
                written_at=values.get("written_at") or None,
                accept_duplicates=values.get("confirm_duplicates") == "on",
            )
        except actions.PossibleDuplicate as exc:
            duplicates = exc.candidates
        except CareInputError as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Patient admis sous l'identifiant {temp.tempid}.")
            return redirect("care:subject", kind="temp", pk=temp.pk)
    context = {
        "unit": unit,
        "fields": bind(FORMS[EntryKind.IDENTITY] + (WRITTEN_AT,), values, errors),
        "room": values.get("room", ""),
        "bed": values.get("bed", ""),
        "duplicates": duplicates,
        "errors": errors,
    }
    return _form_page(request, "care/admit.html", context, 400 if errors or duplicates else 200)


# Entries of one kind shown on a record page unless all are asked for (``?tout=1``): after
# weeks of downtime a patient has hundreds of vitals, and this is the page every save returns to.
SHOWN_PER_KIND = 50


@dataclass(frozen=True)
class EntryGroup:
    label: str
    html: SafeString  # the table's rows
    more: int  # older entries of this kind not shown


def _entries_by_kind(user: Any, subject: Subject, *, everything: bool) -> list[EntryGroup]:
    kinds = access.readable_kinds(user)
    rows = current(subject.entries().filter(kind__in=kinds)).order_by("-written_at", "-pk")
    grouped: dict[str, list[CareEntry]] = {kind: [] for kind in kinds}
    for entry in rows:
        grouped[entry.kind].append(entry)
    labels = dict(EntryKind.choices)
    correct_url = row_url("care:correct")
    groups = []
    for kind in kinds:
        entries = grouped[kind]
        if not entries:
            continue
        shown = entries if everything else entries[:SHOWN_PER_KIND]
        html = entry_rows_html(entry_rows(shown, correct_url))
        groups.append(EntryGroup(str(labels[kind]), html, len(entries) - len(shown)))
    return groups


@role_required(*CLERKS)
def subject(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = acting_user(request)
    found = access.get_subject_for_user(user, kind, pk)
    target_type, target_id = found.target
    record_read(
        Action.PATIENT_OPENED,
        actor=user,
        target_type=target_type,
        target_id=target_id,
        details={"view": "care"},
    )
    trail = (
        JournalEntry.objects.filter(
            target_type=target_type, target_id=str(target_id), action__startswith="care."
        )
        .order_by("-seq")
        .values_list("seq", "at", "actor", "action", "details")[:TRAIL_LINES]
    )
    writable = [(k, str(label)) for k, label in EntryKind.choices if k != EntryKind.IDENTITY]
    context = {
        "s": found,
        "kind": kind,
        "banner": build_banner(found),
        "groups": _entries_by_kind(user, found, everything=request.GET.get("tout") == "1"),
        "forms": [(k, label) for k, label in writable if access.can_write(user, k)],
        "trail": trail_rows_html(trail_rows(trail)),
        "trail_lines": TRAIL_LINES,
        "prescriptions": actions.prescription_choices(found),
    }
    return render(request, "care/subject.html", context)


def _entry_fields(kind: str, subject: Subject) -> tuple[Any, ...]:
    fields = FORMS[kind]
    if kind == EntryKind.ADMINISTRATION:
        choices = actions.prescription_choices(subject)
        fields = tuple(
            type(x)(x.name, x.label, x.type, x.required, choices) if x.name == "prescription" else x
            for x in fields
        )
    return (*fields, WRITTEN_AT)


@role_required(*CLERKS)
def record_form(request: HttpRequest, kind: str, pk: int, entry_kind: str) -> HttpResponse:
    user = acting_user(request)
    found = access.get_subject_for_user(user, kind, pk)
    if entry_kind not in EntryKind.values or entry_kind == EntryKind.IDENTITY:
        raise Http404
    if not access.can_write(user, entry_kind):
        raise PermissionDenied
    values: dict[str, Any] = dict(request.POST.items()) if request.method == "POST" else {}
    errors: dict[str, str] = {}
    dose_warning = False
    if request.method == "POST":
        try:
            actions.record_entry(
                actor=user,
                subject=found,
                kind=entry_kind,
                data=values,
                written_at=values.get("written_at") or None,
                confirm_dose=values.get("confirm_dose") == "on",
            )
        except CareInputError as exc:
            errors = exc.errors
            dose_warning = isinstance(exc, DoseWarning)
        else:
            code = f"care-{entry_kind}"
            if not access.in_scope(user, found):  # transferred out of this user's units
                return redirect_saved(code, "care:home")
            return redirect_saved(code, "care:subject", kind=kind, pk=pk)
    context = {
        "s": found,
        "kind": kind,
        "banner": build_banner(found),
        "title": EntryKind(entry_kind).label,
        "fields": bind(_entry_fields(entry_kind, found), values, errors),
        "errors": errors,
        "dose_warning": dose_warning,
    }
    return _form_page(request, "care/record.html", context, 400 if errors else 200)


@role_required(*CLERKS)
def correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = acting_user(request)
    entry = get_object_or_404(CareEntry, pk=entry_id)
    kind, pk = (
        ("temp", entry.temp_patient_id) if entry.temp_patient_id else ("patient", entry.patient_id)
    )
    found = access.get_subject_for_user(user, kind, int(pk or 0))
    if not access.can_write(user, entry.kind):
        raise PermissionDenied
    values: dict[str, Any] = (
        dict(request.POST.items()) if request.method == "POST" else dict(entry.data)
    )
    errors: dict[str, str] = {}
    dose_warning = False
    if request.method == "POST":
        try:
            actions.correct_entry(
                actor=user,
                entry=entry,
                reason=values.get("reason", ""),
                data=values,
                cancel=values.get("cancel") == "on",
                written_at=values.get("written_at") or None,
                confirm_dose=values.get("confirm_dose") == "on",
            )
        except CareInputError as exc:
            errors = exc.errors
            dose_warning = isinstance(exc, DoseWarning)
        except AutarcieError as exc:
            errors = {"reason": str(exc)}
        else:
            messages.success(
                request, "Correction enregistrée ; la version précédente est conservée."
            )
            return redirect("care:subject", kind=kind, pk=pk)
    context = {
        "s": found,
        "kind": kind,
        "banner": build_banner(found),
        "entry": entry,
        "versions": history(entry),
        "fields": bind(_entry_fields(entry.kind, found), values, errors),
        "errors": errors,
        "dose_warning": dose_warning,
        "reason": values.get("reason", ""),
    }
    return _form_page(request, "care/correct.html", context, 400 if errors else 200)


@role_required(Role.AUDITOR, Role.ADMIN, Role.CRISIS_DIRECTOR)
def journal(request: HttpRequest) -> HttpResponse:
    acting_user(request)
    entries = JournalEntry.objects.filter(action__startswith="care.").order_by("-seq")[:300]
    return render(request, "care/journal.html", {"entries": entries})
