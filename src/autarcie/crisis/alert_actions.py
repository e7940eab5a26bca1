"""Changes to the directory, message templates and alerts, and the replies to alerts.

Messages leave the machine only after the alert is committed (``dispatch``), so a crash
never leaves an alert sent but unrecorded as created.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import string
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet

from autarcie.core import clock
from autarcie.core.errors import AccessDenied
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from autarcie.crisis import delivery, mail, pdf, sms
from autarcie.crisis.actions import CELL_ROLES, CrisisError, _open
from autarcie.crisis.models import (
    Alert,
    Answer,
    ClockStatus,
    Contact,
    ContactKind,
    Crisis,
    Delivery,
    LegalClock,
    MessageTemplate,
    Phase,
    Recipient,
)

ACK_SALT = "autarcie.crisis.ack"
ACK_MAX_AGE = 7 * 86400
CONTACT_COLUMNS = (
    "name",
    "organisation",
    "function",
    "kind",
    "groups",
    "unit",
    "on_call",
    "phone",
    "email",
    "username",
)
ALERT_ROLES = (Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER)
REMIND_BEFORE = dt.timedelta(hours=6)
REMIND_EVERY = dt.timedelta(hours=1)


def _require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise AccessDenied("this role may not do this in the crisis cell")


def import_contacts(*, actor: User, text: str) -> int:
    """Add or update directory entries from CSV; a person is keyed by name and organisation."""
    _require(actor, *CELL_ROLES)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if "name" not in (reader.fieldnames or []):
        raise CrisisError("colonne « name » manquante ; colonnes : " + ", ".join(CONTACT_COLUMNS))
    count = 0
    with transaction.atomic():
        for raw in reader:
            name = (raw.get("name") or "").strip()
            if not name:
                raise CrisisError(f"ligne {reader.line_num} : nom vide ; rien n'a été importé")
            kind = (raw.get("kind") or "staff").strip()
            if kind not in ContactKind.values:
                raise CrisisError(
                    f"ligne {reader.line_num} : type {kind!r} inconnu (staff, partner)"
                )
            Contact.objects.update_or_create(
                name=name,
                organisation=(raw.get("organisation") or "").strip(),
                defaults={
                    "function": (raw.get("function") or "").strip(),
                    "kind": kind,
                    "groups": ";".join(
                        g.strip().lower() for g in (raw.get("groups") or "").split(";") if g.strip()
                    ),
                    "unit": (raw.get("unit") or "").strip(),
                    "on_call": (raw.get("on_call") or "").strip() in ("1", "oui", "yes", "true"),
                    "phone": (raw.get("phone") or "").strip(),
                    "email": (raw.get("email") or "").strip(),
                    "username": (raw.get("username") or "").strip(),
                },
            )
            count += 1
        record(
            Action.CRISIS_CONTACTS_IMPORTED,
            actor=actor,
            target_type="directory",
            details={"rows": count},
        )
    return count


def directory_data_at() -> dt.datetime | None:
    """When the directory was last imported: the date its printout must show."""
    last = (
        JournalEntry.objects.filter(action=Action.CRISIS_CONTACTS_IMPORTED)
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    return last


def directory_pdf(*, actor: Actor) -> bytes:
    """The printable call directory; each printout is journaled (it carries phone numbers)."""
    contacts = list(Contact.objects.all())
    data = pdf.directory_pdf(contacts, settings.HOSPITAL_NAME, directory_data_at(), clock.now())
    with transaction.atomic():
        record(
            Action.CRISIS_EXPORTED,
            actor=actor,
            target_type="directory",
            details={"what": "directory.pdf", "contacts": len(contacts)},
        )
    return data


def target_choices() -> list[tuple[str, str]]:
    groups = sorted(
        {g for gs in Contact.objects.values_list("groups", flat=True) for g in gs.split(";") if g}
    )
    units = sorted({u for u in Contact.objects.values_list("unit", flat=True) if u})
    return [
        ("tous", "Tout le personnel"),
        ("astreinte", "Personnes d'astreinte"),
        *((f"groupe:{g}", f"Groupe {g}") for g in groups),
        *((f"unite:{u}", f"Unité {u}") for u in units),
    ]


def resolve_target(target: str) -> QuerySet[Contact]:
    staff = Contact.objects.filter(kind=ContactKind.STAFF)
    if target == "tous":
        return staff
    if target == "astreinte":
        return staff.filter(on_call=True)
    kind, _, value = target.partition(":")
    if kind == "groupe" and value:
        return Contact.objects.filter(
            Q(groups=value)
            | Q(groups__startswith=f"{value};")
            | Q(groups__endswith=f";{value}")
            | Q(groups__contains=f";{value};")
        )
    if kind == "unite" and value:
        return staff.filter(unit=value)
    raise CrisisError(f"destinataires inconnus : {target!r}")


def compose(crisis: Crisis, text: str) -> str:
    """Every message of an exercise says so first, whoever reads it out of context."""
    return f"EXERCICE — {text}" if crisis.is_exercise else text


def new_reply_code() -> str:
    """A code no alert of an open crisis holds (1,800 possible; a cell sends a few dozen)."""
    taken = set(
        Alert.objects.filter(crisis__closed_at__isnull=True)
        .exclude(reply_code="")
        .values_list("reply_code", flat=True)
    )
    free = [f"{c}{n:02d}" for c in sms.CODE_LETTERS for n in range(100)]
    free = [code for code in free if code not in taken]
    if not free:
        raise CrisisError("plus aucun code de réponse libre : clôturez les crises terminées")
    return secrets.choice(free)


def create_alert(
    *, actor: User, crisis: Crisis, target: str, text: str, by_sms: bool, by_email: bool
) -> Alert:
    _require(actor, *ALERT_ROLES)
    if not text.strip() or not (by_sms or by_email):
        raise CrisisError("un message et au moins un canal (SMS, courriel) sont nécessaires")
    contacts = list(resolve_target(target))
    if not contacts:
        raise CrisisError("aucun destinataire dans ce groupe")
    with transaction.atomic():
        locked = _open(crisis)
        alert = Alert.objects.create(
            crisis=locked,
            reply_code=new_reply_code(),
            target=target,
            text=compose(locked, text.strip()),
            by_sms=by_sms,
            by_email=by_email,
            created_at=clock.now(),
            created_by=actor,
        )
        Recipient.objects.bulk_create(
            Recipient(
                alert=alert,
                contact=c,
                phone=c.phone if by_sms else "",
                email=c.email if by_email else "",
            )
            for c in contacts
        )
        record(
            Action.CRISIS_ALERT_CREATED,
            actor=actor,
            target_type="crisis_alert",
            target_id=alert.pk,
            details={
                "crisis": locked.pk,
                "target": target,
                "recipients": len(contacts),
                "reply_code": alert.reply_code,
                "sms": by_sms,
                "email": by_email,
            },
        )
    return alert


def ack_token(recipient: Recipient) -> str:
    return signing.dumps({"r": recipient.pk}, salt=ACK_SALT)


def _message(alert: Alert, recipient: Recipient, base_url: str) -> str:
    link = f"{base_url.rstrip('/')}/crise/reponse/{ack_token(recipient)}/" if base_url else ""
    code = f"{alert.reply_code} " if alert.reply_code else ""
    return (
        f"{alert.text}\nRépondez « {code}1 » = disponible (« {code}1 20 » : arrivée dans "
        f"20 min), « {code}2 » = indisponible.{' ' + link if link else ''}"
    )


@dataclass(frozen=True)
class _Channels:
    """What one sending goes through: the SMS adapter, and why the relay is down ("")."""

    adapter: sms.SmsAdapter | None
    relay_down: str
    base_url: str


def _deliver(alert: Alert, r: Recipient, channels: _Channels, counts: dict[str, int]) -> None:
    """Send ``r`` its message on each channel asked and not yet delivered; record why not."""
    body = _message(alert, r, channels.base_url)
    subject = compose(alert.crisis, f"Alerte cellule de crise — {alert.crisis.title}")
    details = []
    if alert.by_sms and r.sms_status in (Delivery.NONE, Delivery.FAILED):
        sent = delivery.send_sms(channels.adapter, r.phone, body)
        r.sms_status, r.sms_ref, r.sms_reason = sent.status, sent.ref, sent.reason
        counts["sms_failed" if sent.status == Delivery.FAILED else "sms_queued"] += 1
        details.append(sent.detail)
    if alert.by_email and r.email_status in (Delivery.NONE, Delivery.FAILED):
        mailed = delivery.send_email(r.email, subject, body, channels.relay_down)
        r.email_status, r.email_reason = mailed.status, mailed.reason
        counts["email_failed" if mailed.status == Delivery.FAILED else "email_sent"] += 1
        details.append(mailed.detail)
    r.error = "; ".join(d for d in details if d)[:300]


DELIVERY_FIELDS = (
    *("phone", "email", "error"),
    *("sms_status", "sms_ref", "sms_reason"),
    *("email_status", "email_reason"),
)


def _send(
    action: Action,
    actor: Actor,
    alert: Alert,
    recipients: list[Recipient],
    base_url: str,
    adapter: sms.SmsAdapter | None,
) -> dict[str, int]:
    counts = {"sms_queued": 0, "sms_failed": 0, "email_sent": 0, "email_failed": 0}
    channels = _Channels(adapter, delivery.relay_down() if alert.by_email else "", base_url)
    for r in recipients:
        _deliver(alert, r, channels, counts)
    with transaction.atomic():
        Recipient.objects.bulk_update(recipients, DELIVERY_FIELDS)
        record(
            action,
            actor=actor,
            target_type="crisis_alert",
            target_id=alert.pk,
            details={**counts, "recipients": len(recipients)},
        )
    return counts


def dispatch(
    *, actor: Actor, alert: Alert, base_url: str, adapter: sms.SmsAdapter | None = None
) -> dict[str, int]:
    """Send an alert's messages (after it is committed) and record each delivery status."""
    adapter = adapter if adapter is not None else sms.gateway()
    recipients = list(alert.recipients.select_related("contact"))
    return _send(Action.CRISIS_ALERT_DISPATCHED, actor, alert, recipients, base_url, adapter)


def undelivered(alert: Alert) -> QuerySet[Recipient]:
    """Recipients not reached on a channel the alert asked for, who have not answered."""
    failed = Q()
    if alert.by_sms:
        failed |= Q(sms_status=Delivery.FAILED)
    if alert.by_email:
        failed |= Q(email_status=Delivery.FAILED)
    if not failed:
        return alert.recipients.none()
    return alert.recipients.filter(failed, answer="").select_related("contact")


def retry_undelivered(
    *, actor: User, alert: Alert, base_url: str, adapter: sms.SmsAdapter | None = None
) -> dict[str, int]:
    """Send again what did not leave, on the failed channels only, with the directory's
    current number and address (the cell may have just corrected them)."""
    _require(actor, *ALERT_ROLES)
    if alert.crisis.phase == Phase.CLOSED:
        raise CrisisError("cette crise est clôturée : plus aucun envoi")
    adapter = adapter if adapter is not None else sms.gateway()
    recipients = list(undelivered(alert))
    if not recipients:
        raise CrisisError("tous les destinataires ont été joints : rien à renvoyer")
    for r in recipients:
        r.phone = r.contact.phone if alert.by_sms else ""
        r.email = r.contact.email if alert.by_email else ""
    return _send(Action.CRISIS_ALERT_RETRIED, actor, alert, recipients, base_url, adapter)


def refresh_sms_status(*, alert: Alert, adapter: sms.SmsAdapter | None = None) -> int:
    """Ask the adapter what became of queued SMS (the modem moves files when sent)."""
    adapter = adapter if adapter is not None else sms.gateway()
    if adapter is None:
        return 0
    changed = []
    for r in alert.recipients.filter(sms_status=Delivery.QUEUED).exclude(sms_ref=""):
        status = adapter.status(r.sms_ref)
        if status in (Delivery.SENT, Delivery.FAILED):
            r.sms_status = status
            if status == Delivery.FAILED:
                r.sms_reason = "le modem n'a pas pu envoyer le SMS"
            changed.append(r)
    with transaction.atomic():
        Recipient.objects.bulk_update(changed, ["sms_status", "sms_reason"])
    return len(changed)


def _answer(
    recipient: Recipient, answer: str, eta: int | None, channel: str, actor: Actor
) -> Recipient:
    recipient.answer = answer
    recipient.eta_minutes = eta if answer == Answer.AVAILABLE else None
    recipient.answered_at = clock.now()
    recipient.answered_by = channel
    recipient.token_used = recipient.token_used or channel == "link"
    recipient.save(
        update_fields=["answer", "eta_minutes", "answered_at", "answered_by", "token_used"]
    )
    record(
        Action.CRISIS_ALERT_ANSWERED,
        actor=actor,
        target_type="crisis_recipient",
        target_id=recipient.pk,
        details={
            "alert": recipient.alert_id,
            "answer": answer,
            "eta_minutes": recipient.eta_minutes,
            "channel": channel,
        },
    )
    return recipient


def recipient_for_token(token: str) -> Recipient:
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
    except signing.BadSignature as exc:
        raise CrisisError("lien invalide ou expiré") from exc
    recipient = (
        Recipient.objects.select_related("alert__crisis", "contact")
        .filter(pk=data.get("r"))
        .first()
    )
    if recipient is None:
        raise CrisisError("lien invalide ou expiré")
    return recipient


def answer_by_link(*, token: str, answer: str, eta: int | None) -> Recipient:
    """The public acknowledgement link: signed, for one recipient, usable once."""
    if answer not in (Answer.AVAILABLE, Answer.UNAVAILABLE):
        raise CrisisError("réponse inconnue")
    with transaction.atomic():
        recipient = recipient_for_token(token)
        recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
        if recipient.token_used or recipient.answer:
            raise CrisisError("vous avez déjà répondu à cette alerte ; merci")
        if recipient.alert.crisis.phase == Phase.CLOSED:
            raise CrisisError("cette crise est clôturée")
        return _answer(recipient, answer, eta, "link", f"system:ack-link:{recipient.pk}")


def save_template(*, actor: User, name: str, kind: str, body: str) -> MessageTemplate:
    """A new version; it must be approved by the crisis director before use."""
    _require(actor, *CELL_ROLES)
    if not name.strip() or not body.strip():
        raise CrisisError("un modèle a besoin d'un nom et d'un texte")
    try:
        string.Template(body).substitute(dict.fromkeys(template_variables(body), ""))
    except ValueError as exc:
        raise CrisisError(f"variable mal écrite dans le modèle : {exc}") from exc
    with transaction.atomic():
        last = MessageTemplate.objects.filter(name=name.strip()).order_by("-version").first()
        template = MessageTemplate.objects.create(
            name=name.strip(),
            kind=kind,
            body=body.strip(),
            version=(last.version + 1) if last else 1,
            created_at=clock.now(),
            created_by=actor,
        )
        record(
            Action.CRISIS_TEMPLATE_SAVED,
            actor=actor,
            target_type="crisis_template",
            target_id=template.pk,
            details={"name": template.name, "version": template.version},
        )
    return template


def template_variables(body: str) -> list[str]:
    return sorted(
        {
            m.group("named") or m.group("braced")
            for m in string.Template.pattern.finditer(body)
            if m.group("named") or m.group("braced")
        }
    )


def approve_template(*, actor: User, template: MessageTemplate) -> MessageTemplate:
    _require(actor, Role.CRISIS_DIRECTOR)
    with transaction.atomic():
        template.approved_at, template.approved_by = clock.now(), actor
        template.save(update_fields=["approved_at", "approved_by"])
        record(
            Action.CRISIS_TEMPLATE_APPROVED,
            actor=actor,
            target_type="crisis_template",
            target_id=template.pk,
            details={"name": template.name, "version": template.version},
        )
    return template


def render_template(template: MessageTemplate, values: dict[str, str]) -> str:
    if template.approved_at is None:
        raise CrisisError("ce modèle n'est pas approuvé par le directeur de crise")
    return string.Template(template.body).safe_substitute(values)


def send_clock_reminders(
    *,
    actor: Actor = "system:crisis-clocks",
    base_url: str = "",
    adapter: sms.SmsAdapter | None = None,
) -> int:
    """Remind each pending clock's owner when due within 6 h or late, at most hourly."""
    now = clock.now()
    adapter = adapter if adapter is not None else sms.gateway()
    sent = 0
    due = LegalClock.objects.select_related("crisis", "owner").filter(
        status=ClockStatus.PENDING, due_at__lte=now + REMIND_BEFORE, crisis__closed_at__isnull=True
    )
    for legal_clock in due:
        if legal_clock.last_reminder_at and now - legal_clock.last_reminder_at < REMIND_EVERY:
            continue
        contact = (
            Contact.objects.filter(username=legal_clock.owner.username).first()
            if legal_clock.owner
            else None
        )
        text = compose(
            legal_clock.crisis,
            f"Rappel : « {legal_clock.label} » à transmettre avant le "
            f"{legal_clock.due_at.astimezone(sms_zone()).strftime('%d/%m %H:%M')}.",
        )
        channels = []
        if contact and contact.phone and adapter:
            channels.append(
                "sms" if adapter.send(contact.phone, text).status != "failed" else "sms_failed"
            )
        if contact and contact.email:
            channels.append(
                "email_failed" if mail.send(contact.email, "Rappel délai légal", text) else "email"
            )
        with transaction.atomic():
            legal_clock.last_reminder_at = now
            legal_clock.save(update_fields=["last_reminder_at"])
            record(
                Action.CRISIS_CLOCK_REMINDED,
                actor=actor,
                target_type="crisis_clock",
                target_id=legal_clock.pk,
                details={"code": legal_clock.code, "channels": channels},
            )
        sent += 1
    return sent


def sms_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")
