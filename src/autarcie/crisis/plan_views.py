"""Pages of the restoration plan: import, waves, items, credentials, effort, burn-down."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from autarcie.core import clock
from autarcie.core.access import role_required
from autarcie.core.errors import AutarcieError
from autarcie.crisis import plan_actions
from autarcie.crisis.actions import CELL_ROLES
from autarcie.crisis.burndown import burndown_svg
from autarcie.crisis.forms import EffortForm, OverrideForm, UploadForm
from autarcie.crisis.gate import cell_crisis
from autarcie.crisis.models import Credential, ItemStage, PlanItem, StageChange
from autarcie.crisis.plan_actions import PLAN_ROLES

MAX_UPLOAD = 20 * 1024 * 1024


@role_required(*CELL_ROLES)
def plan(request: HttpRequest, crisis_id: int) -> HttpResponse:
    _, crisis = cell_crisis(request, crisis_id)
    items = PlanItem.objects.filter(crisis=crisis)
    waves = (
        items.values("wave")
        .annotate(
            total=Count("pk"), restored=Count("pk", filter=Q(stage__in=["restored", "validated"]))
        )
        .order_by("wave")
    )
    shown = request.GET.get("vague", "")
    query = request.GET.get("q", "").strip()
    listed = items.order_by("wave", "ident")
    if shown.isdigit():
        listed = listed.filter(
            Q(wave=int(shown), override_wave__isnull=True) | Q(override_wave=int(shown))
        )
    if query:
        listed = listed.filter(Q(ident__icontains=query) | Q(name__icontains=query))
    if not (shown or query):
        listed = listed.exclude(kind="server")
    return render(
        request,
        "crisis/plan.html",
        {
            "crisis": crisis,
            "waves": waves,
            "items": listed[:300],
            "shown": shown,
            "q": query,
            "upload": UploadForm(),
            "can_plan": request.user.has_role(*PLAN_ROLES),  # type: ignore[union-attr]
        },
    )


@role_required(*PLAN_ROLES)
def plan_import(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id, *PLAN_ROLES)
    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            messages.error(request, "Fichier trop volumineux (20 Mo au plus).")
        else:
            try:
                text = upload.read().decode("utf-8")
                inventory = plan_actions.import_inventory(
                    actor=user, crisis=crisis, text=text, file_name=upload.name
                )
            except UnicodeDecodeError:
                messages.error(request, "Le fichier n'est pas en UTF-8 : rien n'a été importé.")
            except plan_actions.InventoryRejected as exc:
                problems = [str(p) for p in exc.problems]
            else:
                messages.success(
                    request,
                    f"Inventaire importé : {len(inventory.rows)} lignes, "
                    f"{len(inventory.warnings)} avertissement(s).",
                )
                for warning in inventory.warnings[:20]:
                    messages.warning(request, str(warning))
                return redirect("crisis:plan", crisis_id=crisis.pk)
    return render(
        request, "crisis/plan_import.html", {"crisis": crisis, "form": form, "problems": problems}
    )


@role_required(*CELL_ROLES)
def item(request: HttpRequest, crisis_id: int, item_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    plan_item = get_object_or_404(PlanItem, pk=item_id, crisis=crisis)
    override = OverrideForm(request.POST if "reason" in request.POST else None)
    try:
        if "stage" in request.POST:
            stage = request.POST["stage"]
            if stage in ItemStage.values:
                plan_actions.set_stage(actor=user, item=plan_item, stage=ItemStage(stage))
            return redirect("crisis:plan_item", crisis_id=crisis.pk, item_id=plan_item.pk)
        if override.is_valid():
            plan_actions.override_wave(
                actor=user,
                item=plan_item,
                wave=override.cleaned_data["wave"],
                reason=override.cleaned_data["reason"],
            )
            return redirect("crisis:plan_item", crisis_id=crisis.pk, item_id=plan_item.pk)
    except AutarcieError as exc:
        messages.error(request, str(exc))
    needs = PlanItem.objects.filter(crisis=crisis, ident__in=plan_item.depends_on)
    return render(
        request,
        "crisis/plan_item.html",
        {
            "crisis": crisis,
            "item": plan_item,
            "override": override,
            "needs": needs,
            "next_stage": plan_item.next_stage,
            "changes": plan_item.changes.select_related("by"),
        },
    )


@role_required(*CELL_ROLES)
def credentials(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    if request.method == "POST":
        credential = get_object_or_404(Credential, pk=request.POST.get("credential"), crisis=crisis)
        try:
            plan_actions.rotate_credential(actor=user, credential=credential)
        except AutarcieError as exc:
            messages.error(request, str(exc))
        return redirect("crisis:credentials", crisis_id=crisis.pk)
    rows = Credential.objects.filter(crisis=crisis).select_related("rotated_by")
    summary = (
        rows.values("account_type")
        .annotate(total=Count("pk"), done=Count("rotated_at"))
        .order_by("account_type")
    )
    return render(
        request, "crisis/credentials.html", {"crisis": crisis, "rows": rows, "summary": summary}
    )


@role_required(*CELL_ROLES)
def effort(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    form = EffortForm(request.POST or None, initial={"on_day": clock.now().date()})
    if request.method == "POST" and form.is_valid():
        try:
            plan_actions.record_effort(actor=user, crisis=crisis, **form.cleaned_data)
        except AutarcieError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("crisis:effort", crisis_id=crisis.pk)
    rows = crisis.efforts.select_related("by")
    totals = rows.aggregate(days=Sum("person_days"), cost=Sum("cost_eur"))
    return render(
        request,
        "crisis/effort.html",
        {"crisis": crisis, "form": form, "rows": rows, "totals": totals},
    )


@role_required(*CELL_ROLES)
def burndown(request: HttpRequest, crisis_id: int) -> HttpResponse:
    _, crisis = cell_crisis(request, crisis_id)
    total = PlanItem.objects.filter(crisis=crisis).count()
    done = list(
        StageChange.objects.filter(item__crisis=crisis, stage=ItemStage.RESTORED).values_list(
            "at", flat=True
        )
    )
    svg = burndown_svg(total, done, crisis.declared_at, clock.now(), "Éléments restant à restaurer")
    return HttpResponse(svg, content_type="image/svg+xml")
