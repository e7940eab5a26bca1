"""Pages of the crisis cell: crises, dashboard, main courante, tasks, SitReps, legal clocks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from autarcie.core import clock
from autarcie.core.access import role_required
from autarcie.core.csv_export import Cell, csv_response
from autarcie.core.errors import AutarcieError
from autarcie.crisis import actions, drafts, queries
from autarcie.crisis.actions import CELL_ROLES, DECLARE_ROLES
from autarcie.crisis.forms import (
    DeclareForm,
    LogFilterForm,
    LogForm,
    PhaseForm,
    SitRepForm,
    SubmitClockForm,
    TaskForm,
    WaiveClockForm,
)
from autarcie.crisis.gate import cell_crisis, cell_user
from autarcie.crisis.models import (
    Category,
    Crisis,
    CrisisKind,
    LegalClock,
    Nis2Status,
    Phase,
    Priority,
    Task,
    TaskStatus,
)
from autarcie.crisis.pdf import log_pdf


def _page(request: HttpRequest, template: str, crisis: Crisis | None, **extra: Any) -> HttpResponse:
    context = {"crisis": crisis, "can_declare": request.user.has_role(*DECLARE_ROLES), **extra}  # type: ignore[union-attr]
    return render(request, f"crisis/{template}", context)


@role_required(*CELL_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    cell_user(request)
    return _page(request, "index.html", None, crises=Crisis.objects.all())


@role_required(*DECLARE_ROLES)
def declare(request: HttpRequest) -> HttpResponse:
    user = cell_user(request, *DECLARE_ROLES)
    form = DeclareForm(
        request.POST or None, initial={"aware_at": clock.now(), "nis2": Nis2Status.ESSENTIAL}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        declaration = actions.Declaration(
            kind=CrisisKind(data["kind"]),
            title=data["title"],
            detected=data["detected"],
            aware_at=data["aware_at"],
            detected_by=data["detected_by"],
            scope=data["scope"],
            is_exercise=data["is_exercise"],
            personal_data=data["personal_data"],
            nis2=Nis2Status(data["nis2"]),
            insured=data["insured"],
            plan_blanc=data["plan_blanc"],
            freeze_mirror=data["freeze_mirror"],
        )
        try:
            crisis = actions.declare(actor=user, declaration=declaration)
        except AutarcieError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Crise déclarée ; les délais légaux sont lancés.")
            return redirect("crisis:dashboard", crisis_id=crisis.pk)
    return _page(request, "declare.html", None, form=form)


@role_required(*CELL_ROLES)
def dashboard(request: HttpRequest, crisis_id: int) -> HttpResponse:
    _, crisis = cell_crisis(request, crisis_id)
    board, html = queries.current_dashboard(
        crisis,
        clock.now(),
        lambda b: render_to_string("crisis/dashboard_board.html", {"crisis": crisis, "board": b}),
    )
    return _page(
        request, "dashboard.html", crisis, board=board, board_html=html, phases=Phase.choices
    )


@require_POST
@role_required(*DECLARE_ROLES)
def phase(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id, *DECLARE_ROLES)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            actions.change_phase(
                actor=user,
                crisis=crisis,
                phase=Phase(form.cleaned_data["phase"]),
                note=form.cleaned_data["note"],
            )
        except AutarcieError as exc:
            messages.error(request, str(exc))
    return redirect("crisis:dashboard", crisis_id=crisis.pk)


@role_required(*CELL_ROLES)
def log_view(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    corrects = None
    if "corrige" in request.GET or "corrige" in request.POST:
        number = request.GET.get("corrige") or request.POST.get("corrige")
        corrects = crisis.entries.filter(number=int(number or 0)).first()
    form = LogForm(
        request.POST or None, initial={"category": corrects.category if corrects else Category.FACT}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.log(
                actor=user,
                crisis=crisis,
                category=Category(data["category"]),
                text=data["text"],
                fact_at=data["fact_at"],
                corrects=corrects,
            )
        except AutarcieError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("crisis:log", crisis_id=crisis.pk)
    filters = LogFilterForm(request.GET or None)
    category = text = ""
    if filters.is_valid():
        category, text = filters.cleaned_data["category"], filters.cleaned_data["q"]
    entries = queries.filtered_log(crisis, category, text)
    return _page(
        request, "log.html", crisis, form=form, filters=filters, entries=entries, corrects=corrects
    )


@role_required(*CELL_ROLES)
def log_csv(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    actions.record_export(actor=user, crisis=crisis, what="log.csv")
    rows: list[list[Cell]] = [["EXERCICE"]] if crisis.is_exercise else []
    rows.append(
        ["n°", "heure du fait", "écrit le", "auteur", "catégorie", "texte", "corrige le n°"]
    )
    rows.extend(
        [
            e.number,
            drafts.local(e.fact_at),
            drafts.local(e.written_at),
            e.author.username,
            e.get_category_display(),
            e.text,
            e.corrects.number if e.corrects else "",
        ]
        for e in queries.filtered_log(crisis)
    )
    return csv_response(f"main-courante-{crisis.pk}.csv", rows)


@role_required(*CELL_ROLES)
def log_pdf_view(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    actions.record_export(actor=user, crisis=crisis, what="log.pdf")
    data = log_pdf(crisis, list(queries.filtered_log(crisis)), settings.HOSPITAL_NAME, clock.now())
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="main-courante-{crisis.pk}.pdf"'
    return response


@role_required(*CELL_ROLES)
def tasks(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    form = TaskForm(request.POST or None, initial={"decision": request.GET.get("decision")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = (
            crisis.entries.filter(number=data["decision"]).first() if data["decision"] else None
        )
        try:
            actions.create_task(
                actor=user,
                crisis=crisis,
                title=data["title"],
                owner=data["owner"],
                due_at=data["due_at"],
                priority=Priority(data["priority"]),
                decision=decision,
            )
        except AutarcieError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("crisis:tasks", crisis_id=crisis.pk)
    rows = crisis.tasks.select_related("owner", "decision")
    return _page(
        request,
        "tasks.html",
        crisis,
        form=form,
        tasks=rows,
        now=clock.now(),
        statuses=TaskStatus.choices,
    )


@require_POST
@role_required(*CELL_ROLES)
def task_status(request: HttpRequest, crisis_id: int, task_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    task = get_object_or_404(Task, pk=task_id, crisis=crisis)
    status = request.POST.get("status", "")
    if status not in TaskStatus.values:
        raise Http404
    try:
        actions.set_task_status(actor=user, task=task, status=TaskStatus(status))
    except AutarcieError as exc:
        messages.error(request, str(exc))
    return redirect("crisis:tasks", crisis_id=crisis.pk)


@role_required(*CELL_ROLES)
def sitreps(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    last = crisis.sitreps.first()
    draft = drafts.sitrep_draft(
        crisis,
        list(crisis.entries.all()),
        list(crisis.tasks.all()),
        list(crisis.clocks.all()),
        clock.now(),
        last.last_entry if last else 0,
    )
    form = SitRepForm(request.POST or None, initial={"body": draft})
    if request.method == "POST" and form.is_valid():
        if not user.has_role(*DECLARE_ROLES):
            messages.error(request, "Seul le directeur de crise ou la sécurité publient un point.")
        else:
            try:
                actions.publish_sitrep(actor=user, crisis=crisis, body=form.cleaned_data["body"])
            except AutarcieError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("crisis:sitreps", crisis_id=crisis.pk)
    return _page(
        request,
        "sitreps.html",
        crisis,
        form=form,
        sitreps=crisis.sitreps.select_related("published_by"),
    )


@role_required(*CELL_ROLES)
def clock_detail(request: HttpRequest, crisis_id: int, clock_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    legal_clock = get_object_or_404(LegalClock, pk=clock_id, crisis=crisis)
    submit = SubmitClockForm(request.POST if "reference" in request.POST else None)
    waive = WaiveClockForm(request.POST if "reason" in request.POST else None)
    try:
        if submit.is_valid():
            d = submit.cleaned_data
            actions.submit_clock(
                actor=user,
                legal_clock=legal_clock,
                reference=d["reference"],
                evidence=d["evidence"],
                submitted_at=d["submitted_at"],
            )
            return redirect("crisis:dashboard", crisis_id=crisis.pk)
        if waive.is_valid():
            actions.waive_clock(
                actor=user, legal_clock=legal_clock, reason=waive.cleaned_data["reason"]
            )
            return redirect("crisis:dashboard", crisis_id=crisis.pk)
    except AutarcieError as exc:
        messages.error(request, str(exc))
    draft = drafts.declaration_draft(
        crisis, legal_clock, list(crisis.entries.all()), settings.HOSPITAL_NAME
    )
    view = next(v for v in queries.clock_views(crisis, clock.now()) if v.clock.pk == legal_clock.pk)
    return _page(request, "clock.html", crisis, view=view, draft=draft, submit=submit, waive=waive)
