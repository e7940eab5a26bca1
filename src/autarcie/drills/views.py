"""Exercise pages: the facilitator's chronogram, observations, pace, and the RETEX."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from autarcie.core import clock
from autarcie.core.access import role_required
from autarcie.core.errors import AutarcieError
from autarcie.crisis.actions import CELL_ROLES
from autarcie.crisis.gate import cell_crisis
from autarcie.drills import actions
from autarcie.drills.forms import LessonForm
from autarcie.drills.models import ExerciseRun, Inject, Lesson, Scenario
from autarcie.drills.report import gather, retex_pdf


@role_required(*CELL_ROLES)
def run(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    exercise = ExerciseRun.objects.filter(crisis=crisis).select_related("scenario").first()
    try:
        if request.method == "POST" and exercise is None:
            if not Scenario.objects.exists():
                actions.install_shipped(actor=user)
            scenario = get_object_or_404(Scenario, code=request.POST.get("scenario", ""))
            actions.start(actor=user, crisis=crisis, scenario=scenario)
            return redirect("drills:run", crisis_id=crisis.pk)
        if request.method == "POST" and exercise is not None and "shift" in request.POST:
            actions.shift(actor=user, run=exercise, minutes=int(request.POST["shift"]))
            return redirect("drills:run", crisis_id=crisis.pk)
        if request.method == "POST" and exercise is not None and "observed" in request.POST:
            inject = get_object_or_404(
                Inject, pk=request.POST.get("inject"), scenario=exercise.scenario
            )
            actions.observe(
                actor=user,
                run=exercise,
                inject=inject,
                observed=request.POST["observed"],
                met=request.POST.get("met") == "1",
            )
            return redirect("drills:run", crisis_id=crisis.pk)
    except (AutarcieError, ValueError) as exc:
        messages.error(request, str(exc))
    now = clock.now()
    rows = []
    if exercise is not None:
        observed = {o.inject_id for o in exercise.observations.all()}
        for inject in exercise.scenario.injects.all():
            due = actions.inject_due_at(exercise, inject)
            rows.append(
                {
                    "inject": inject,
                    "due": due,
                    "played": due <= now,
                    "observed": inject.pk in observed,
                }
            )
    return render(
        request,
        "drills/run.html",
        {
            "crisis": crisis,
            "exercise": exercise,
            "rows": rows,
            "scenarios": Scenario.objects.all(),
            "shipped": not Scenario.objects.exists(),
        },
    )


@require_POST
@role_required(*CELL_ROLES)
def retex(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    now = clock.now()
    actions.report_built(actor=user, crisis=crisis)
    body = retex_pdf(
        crisis,
        gather(crisis, now),
        request.POST.get("lessons", ""),
        settings.HOSPITAL_NAME,
        now,
        list(crisis.lessons.all()),
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="retex-crise-{crisis.pk}.pdf"'
    return response


@role_required(*CELL_ROLES)
def lessons(request: HttpRequest, crisis_id: int, lesson_id: int | None = None) -> HttpResponse:
    """The lessons of a crisis: the list, a form to add one, or to edit ``lesson_id``."""
    user, crisis = cell_crisis(request, crisis_id)
    editing = get_object_or_404(Lesson, pk=lesson_id, crisis=crisis) if lesson_id else None
    initial = {f: getattr(editing, f) for f in actions.LESSON_FIELDS} if editing else None
    form = LessonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_lesson(
                actor=user,
                crisis=crisis,
                text=actions.LessonText(**form.cleaned_data),
                lesson=editing,
            )
        except AutarcieError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Enseignement enregistré.")
            return redirect("drills:lessons", crisis_id=crisis.pk)
    return render(
        request,
        "drills/lessons.html",
        {"crisis": crisis, "form": form, "editing": editing, "lessons": crisis.lessons.all()},
    )
