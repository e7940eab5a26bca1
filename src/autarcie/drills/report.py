"""The after-action report (RETEX) as a PDF: what happened, what was decided, what was met."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from autarcie.crisis import pdf
from autarcie.crisis.drafts import local
from autarcie.crisis.models import Category, ClockStatus, Crisis, PlanItem
from autarcie.drills.models import ExerciseRun, Lesson


@dataclass
class RetexData:
    timeline: list[list[str]] = field(default_factory=list)
    decisions: list[list[str]] = field(default_factory=list)
    clocks: list[list[str]] = field(default_factory=list)
    alerts: list[list[str]] = field(default_factory=list)
    waves: list[list[str]] = field(default_factory=list)
    effort: tuple[str, str] = ("0", "0")
    observations: list[list[str]] = field(default_factory=list)


def _clock_outcome(
    status: str, submitted: dt.datetime | None, due: dt.datetime, now: dt.datetime
) -> str:
    if status == ClockStatus.NOT_REQUIRED:
        return "non requise"
    if submitted is not None:
        return "tenu" if submitted <= due else "manqué (transmise en retard)"
    return "manqué" if now > due else "en cours"


def gather(crisis: Crisis, now: dt.datetime) -> RetexData:
    data = RetexData()
    for e in crisis.entries.select_related("author"):
        row = [local(e.fact_at), e.get_category_display(), e.text, e.author.username]
        data.timeline.append(row)
        if e.category == Category.DECISION:
            data.decisions.append([local(e.fact_at), e.text])
    for c in crisis.clocks.all():
        data.clocks.append(
            [
                c.label,
                local(c.due_at),
                local(c.submitted_at) if c.submitted_at else "—",
                _clock_outcome(c.status, c.submitted_at, c.due_at, now),
            ]
        )
    for alert in crisis.alerts.prefetch_related("recipients"):
        recipients = list(alert.recipients.all())
        delays = [
            (r.answered_at - alert.created_at).total_seconds() / 60
            for r in recipients
            if r.answered_at
        ]
        median = f"{statistics.median(delays):.0f} min" if delays else "—"
        data.alerts.append(
            [local(alert.created_at), alert.target, f"{len(delays)} / {len(recipients)}", median]
        )
    waves = (
        PlanItem.objects.filter(crisis=crisis)
        .values("wave")
        .annotate(
            total=Count("pk"), done=Count("pk", filter=Q(stage__in=["restored", "validated"]))
        )
        .order_by("wave")
    )
    data.waves = [[str(w["wave"]), str(w["total"]), str(w["done"])] for w in waves]
    totals = crisis.efforts.aggregate(days=Sum("person_days"), cost=Sum("cost_eur"))
    data.effort = (str(totals["days"] or 0), str(totals["cost"] or 0))
    run = ExerciseRun.objects.filter(crisis=crisis).first()
    if run is not None:
        for o in run.observations.select_related("inject"):
            data.observations.append(
                [str(o.inject.number), o.inject.expected, o.observed, "oui" if o.met else "non"]
            )
    return data


def retex_pdf(
    crisis: Crisis,
    data: RetexData,
    lessons: str,
    hospital: str,
    now: dt.datetime,
    recorded: Sequence[Lesson] = (),
) -> bytes:
    st = pdf.styles()
    story: list[Flowable] = pdf.header(crisis, "Retour d'expérience (RETEX)", hospital, now)

    def section(title: str, head: list[str], rows: list[list[str]], widths: list[float]) -> None:
        story.append(pdf.para(title, st["h2"]))
        story.append(
            pdf.table([head, *rows], widths) if rows else pdf.para("Rien à signaler.", st["body"])
        )
        story.append(Spacer(1, 3 * mm))

    section(
        "Chronologie",
        ["heure", "catégorie", "fait", "auteur"],
        data.timeline,
        [26 * mm, 26 * mm, 104 * mm, 24 * mm],
    )
    section("Décisions", ["heure", "décision"], data.decisions, [26 * mm, 154 * mm])
    section(
        "Délais légaux",
        ["déclaration", "échéance", "transmise", "résultat"],
        data.clocks,
        [80 * mm, 30 * mm, 30 * mm, 40 * mm],
    )
    section(
        "Alertes et temps de réponse",
        ["envoyée", "destinataires", "réponses", "délai médian"],
        data.alerts,
        [35 * mm, 65 * mm, 40 * mm, 40 * mm],
    )
    section(
        "Restauration par vague",
        ["vague", "éléments", "restaurés"],
        data.waves,
        [30 * mm, 40 * mm, 40 * mm],
    )
    story.append(
        pdf.para(f"Effort : {data.effort[0]} jours-homme · coût : {data.effort[1]} €", st["body"])
    )
    section(
        "Réactions observées (exercice)",
        ["inject", "attendu", "observé", "conforme"],
        data.observations,
        [14 * mm, 70 * mm, 76 * mm, 20 * mm],
    )
    section(
        "Enseignements et plan d'action",
        ["ce qui s'est passé", "enseignement", "action", "responsable", "échéance", "statut"],
        [
            [
                item.happened,
                item.lesson,
                item.action,
                item.owner,
                item.due_on.strftime("%d/%m/%Y") if item.due_on else "",
                item.get_status_display(),
            ]
            for item in recorded
        ],
        [38 * mm, 38 * mm, 34 * mm, 24 * mm, 23 * mm, 23 * mm],
    )
    missed = [o for o in data.observations if o[3] == "non"]
    plan = [f"Inject {o[0]} : {o[1]}" for o in missed]
    if lessons.strip() or not recorded:
        story.append(pdf.para(lessons.strip() or "(à compléter par la cellule)", st["body"]))
    for line in plan:
        story.append(pdf.para(f"• À travailler — {line}", st["body"]))
    return pdf.build(story, crisis)
