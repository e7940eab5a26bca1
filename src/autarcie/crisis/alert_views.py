"""Pages of the directory, alerts, message templates, and the public acknowledgement link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from autarcie.core import clock
from autarcie.core.access import role_required
from autarcie.core.errors import AutarcieError
from autarcie.core.roles import Role
from autarcie.crisis import alert_actions, delivery, inbound, sms, webhook
from autarcie.crisis.actions import CELL_ROLES
from autarcie.crisis.alert_actions import ALERT_ROLES
from autarcie.crisis.forms import AckForm, AlertForm, TemplateForm, UploadForm
from autarcie.crisis.gate import cell_crisis, cell_user
from autarcie.crisis.models import Alert, Answer, Contact, InboundSms, MessageTemplate


def _base_url(request: HttpRequest) -> str:
    return settings.CRISIS_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


@role_required(*CELL_ROLES)
def directory(request: HttpRequest) -> HttpResponse:
    user = cell_user(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = alert_actions.import_contacts(
                actor=user, text=form.cleaned_data["file"].read().decode("utf-8")
            )
        except (AutarcieError, UnicodeDecodeError) as exc:
            messages.error(request, f"Import refusé, rien n'a été modifié : {exc}")
        else:
            messages.success(request, f"{count} contact(s) importé(s).")
        return redirect("crisis:directory")
    query = request.GET.get("q", "").strip()
    contacts = Contact.objects.all()
    if query:
        contacts = contacts.filter(
            Q(name__icontains=query)
            | Q(organisation__icontains=query)
            | Q(function__icontains=query)
            | Q(groups__icontains=query)
            | Q(unit__icontains=query)
        )
    return render(
        request, "crisis/directory.html", {"contacts": contacts, "q": query, "form": form}
    )


@role_required(*CELL_ROLES)
def directory_pdf(request: HttpRequest) -> HttpResponse:
    user = cell_user(request)
    response = HttpResponse(alert_actions.directory_pdf(actor=user), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="annuaire-de-crise.pdf"'
    return response


@role_required(*CELL_ROLES)
def alerts(request: HttpRequest, crisis_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    form = AlertForm(request.POST or None, targets=alert_actions.target_choices())
    if request.method == "POST" and form.is_valid():
        if not user.has_role(*ALERT_ROLES):
            messages.error(
                request, "Seuls le directeur et les membres de la cellule envoient des alertes."
            )
            return redirect("crisis:alerts", crisis_id=crisis.pk)
        d = form.cleaned_data
        try:
            alert = alert_actions.create_alert(
                actor=user,
                crisis=crisis,
                target=d["target"],
                text=d["text"],
                by_sms=d["by_sms"],
                by_email=d["by_email"],
            )
        except AutarcieError as exc:
            form.add_error(None, str(exc))
        else:
            # create_alert committed the alert; sending comes after, so it exists even if a
            # relay hangs or fails.
            counts = alert_actions.dispatch(actor=user, alert=alert, base_url=_base_url(request))
            _say_undelivered(request, counts)
            return redirect("crisis:alert", crisis_id=crisis.pk, alert_id=alert.pk)
    approved = MessageTemplate.objects.filter(approved_at__isnull=False)
    replies = InboundSms.objects.select_related("recipient__alert", "recipient__contact")[:30]
    return render(
        request,
        "crisis/alerts.html",
        {
            "crisis": crisis,
            "form": form,
            "alerts": crisis.alerts.all(),
            "templates": approved,
            "replies": replies,
            # Said before sending, so nobody believes staff were called when nothing leaves.
            "channel_problems": delivery.channel_problems(),
        },
    )


def _say_undelivered(request: HttpRequest, counts: dict[str, int]) -> None:
    failed = counts["sms_failed"] + counts["email_failed"]
    if failed:
        messages.error(
            request,
            f"{failed} envoi(s) non remis (SMS : {counts['sms_failed']}, courriel : "
            f"{counts['email_failed']}) : la raison est donnée pour chaque destinataire. "
            "Corrigez-la puis « Renvoyer aux destinataires non joints ».",
        )
    else:
        messages.success(request, "Alerte envoyée à tous les destinataires.")


@require_POST
@role_required(*CELL_ROLES)
def retry(request: HttpRequest, crisis_id: int, alert_id: int) -> HttpResponse:
    user, crisis = cell_crisis(request, crisis_id)
    alert = get_object_or_404(Alert, pk=alert_id, crisis=crisis)
    if not user.has_role(*ALERT_ROLES):
        messages.error(
            request, "Seuls le directeur et les membres de la cellule renvoient des alertes."
        )
        return redirect("crisis:alert", crisis_id=crisis.pk, alert_id=alert.pk)
    try:
        counts = alert_actions.retry_undelivered(
            actor=user, alert=alert, base_url=_base_url(request)
        )
    except AutarcieError as exc:
        messages.error(request, f"Renvoi impossible : {exc}.")
    else:
        _say_undelivered(request, counts)
    return redirect("crisis:alert", crisis_id=crisis.pk, alert_id=alert.pk)


@role_required(*CELL_ROLES)
def alert_detail(request: HttpRequest, crisis_id: int, alert_id: int) -> HttpResponse:
    _, crisis = cell_crisis(request, crisis_id)
    alert = get_object_or_404(Alert, pk=alert_id, crisis=crisis)
    alert_actions.refresh_sms_status(alert=alert)
    recipients = alert.recipients.select_related("contact")
    coming = sorted(
        (r for r in recipients if r.answer == Answer.AVAILABLE), key=lambda r: r.eta_minutes or 0
    )
    return render(
        request,
        "crisis/alert.html",
        {
            "crisis": crisis,
            "alert": alert,
            "recipients": recipients,
            "coming": coming,
            "answered": sum(1 for r in recipients if r.answer),
            "total": len(recipients),
            "undelivered": alert_actions.undelivered(alert).count(),
        },
    )


@require_POST
@role_required(*CELL_ROLES)
def poll(request: HttpRequest, crisis_id: int) -> HttpResponse:
    _, crisis = cell_crisis(request, crisis_id)
    try:
        result = inbound.poll_replies()
    except (OSError, ValueError) as exc:
        messages.error(
            request, f"Passerelle SMS injoignable : {exc}. Réessayez ; rien n'a été perdu."
        )
    else:
        messages.success(
            request,
            f"{result['matched']} réponse(s) enregistrée(s), "
            f"{result['unmatched']} non reconnue(s).",
        )
    back = request.POST.get("next", "")
    # Only back to a page of this crisis: never an open redirect.
    if not back.startswith(f"/crise/{crisis.pk}/"):
        back = f"/crise/{crisis.pk}/alertes/"
    return redirect(back)


@role_required(*CELL_ROLES)
def templates(request: HttpRequest) -> HttpResponse:
    user = cell_user(request)
    form = TemplateForm(request.POST if "body" in request.POST else None)
    try:
        if form.is_valid():
            alert_actions.save_template(actor=user, **form.cleaned_data)
            return redirect("crisis:templates")
        if "approve" in request.POST:
            template = get_object_or_404(MessageTemplate, pk=request.POST["approve"])
            alert_actions.approve_template(actor=user, template=template)
            return redirect("crisis:templates")
    except AutarcieError as exc:
        messages.error(request, str(exc))
    return render(
        request,
        "crisis/templates.html",
        {
            "form": form,
            "rows": MessageTemplate.objects.select_related("approved_by"),
            "can_approve": user.has_role(Role.CRISIS_DIRECTOR),
        },
    )


def ack(request: HttpRequest, token: str) -> HttpResponse:
    """Public, no login: the signed one-time token is the access check."""
    try:
        recipient = alert_actions.recipient_for_token(token)
    except AutarcieError:
        return render(request, "crisis/ack.html", {"error": "Lien invalide ou expiré."}, status=404)
    form = AckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert_actions.answer_by_link(
                token=token,
                answer=form.cleaned_data["answer"],
                eta=form.cleaned_data["eta_minutes"],
            )
        except AutarcieError as exc:
            return render(request, "crisis/ack.html", {"error": str(exc)}, status=409)
        return render(request, "crisis/ack.html", {"done": True})
    return render(
        request,
        "crisis/ack.html",
        {
            "form": form,
            "alert": recipient.alert,
            "used": recipient.token_used or bool(recipient.answer),
        },
    )


@csrf_exempt  # a gateway has no session: the HMAC signature stands in for the CSRF token
@require_POST
def sms_webhook(request: HttpRequest) -> HttpResponse:
    """Public, no login: the shared-secret signature is the access check."""
    secret = settings.CRISIS_SMS_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"error": "webhook not configured"}, status=404)
    address = request.META.get("REMOTE_ADDR", "")
    allowed, first_refusal = webhook.allow(address, settings.CRISIS_SMS_WEBHOOK_PER_MINUTE)
    if not allowed:
        if first_refusal:  # one journal entry per flooded minute, not one per request
            webhook.reject(address=address, reason="rate limit")
        return JsonResponse({"error": "too many requests"}, status=429)
    problem = webhook.check_signature(
        secret,
        request.headers.get(webhook.TIMESTAMP_HEADER, ""),
        request.headers.get(webhook.SIGNATURE_HEADER, ""),
        request.body,
        clock.now(),
    )
    if problem:
        webhook.reject(address=address, reason=problem)
        return JsonResponse({"error": problem}, status=401)
    message = webhook.parse_body(request.body)
    if isinstance(message, str):
        webhook.reject(address=address, reason=message)
        return JsonResponse({"error": message}, status=400)
    received = inbound.receive(
        actor=webhook.WEBHOOK_ACTOR,
        channel="http",
        reply=sms.Reply(message.sender, message.text, message.ref),
    )
    return JsonResponse({"outcome": received.inbound.outcome, "duplicate": received.duplicate})
