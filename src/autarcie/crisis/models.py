"""The crisis cell's data: crises, main courante, tasks, SitReps, legal clocks, alerts, plan."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from autarcie.core.errors import AutarcieError
from autarcie.core.models import User


class ImmutableRecordError(AutarcieError):
    """A main courante entry or a published SitRep was about to be changed."""


class Phase(models.TextChoices):
    ALERT = "alert", _("Alerte")
    CONTAINMENT = "containment", _("Confinement")
    CONTINUITY = "continuity", _("Continuité")
    RECOVERY = "recovery", _("Rétablissement")
    CLOSED = "closed", _("Clôturée")


PHASE_ORDER = [p.value for p in Phase]


class CrisisKind(models.TextChoices):
    CYBER = "cyber", _("Cyberattaque")
    IT_OUTAGE = "it_outage", _("Panne informatique")
    OTHER = "other", _("Autre")


class Nis2Status(models.TextChoices):
    NONE = "none", _("Non concernée")
    ESSENTIAL = "essential", _("Entité essentielle")
    IMPORTANT = "important", _("Entité importante")


class Crisis(models.Model):
    kind = models.CharField(max_length=20, choices=CrisisKind.choices)
    title = models.CharField(max_length=200)
    detected = models.TextField()  # what was seen
    aware_at = models.DateTimeField()  # the moment of awareness: legal clocks start here
    detected_by = models.CharField(max_length=200)
    scope = models.TextField(blank=True)
    is_exercise = models.BooleanField(default=False)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.ALERT)
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    personal_data = models.BooleanField(default=False)
    nis2 = models.CharField(max_length=20, choices=Nis2Status.choices, default=Nis2Status.NONE)
    insured = models.BooleanField(default=False)
    plan_blanc = models.BooleanField(default=False)
    froze_mirror = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-declared_at"]

    def __str__(self) -> str:
        return self.title


class Category(models.TextChoices):
    FACT = "fact", _("Fait")
    DECISION = "decision", _("Décision")
    ACTION = "action", _("Action")
    COMMUNICATION = "communication", _("Communication")
    EXTERNAL = "external", _("Contact extérieur")
    TECHNICAL = "technical", _("Technique")


class LogEntry(models.Model):
    """One line of the main courante. Never edited: a correction is a new entry."""

    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="entries")
    number = models.PositiveIntegerField()
    fact_at = models.DateTimeField()
    written_at = models.DateTimeField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    text = models.TextField()
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )

    class Meta:
        ordering: ClassVar = ["fact_at", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["crisis", "number"], name="one_log_number")
        ]
        # The dashboard's latest entries.
        indexes: ClassVar = [
            models.Index(fields=["crisis", "-written_at"], name="crisis_log_recent")
        ]

    def __str__(self) -> str:
        return f"{self.crisis_id}#{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Immutable once written: a correction or a new version is a new row.
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} {self.pk} cannot be changed")
        super().save(*args, **kwargs)


class TaskStatus(models.TextChoices):
    TODO = "todo", _("À faire")
    DOING = "doing", _("En cours")
    DONE = "done", _("Faite")
    CANCELLED = "cancelled", _("Annulée")


class Priority(models.TextChoices):
    HIGH = "1", _("Haute")
    NORMAL = "2", _("Normale")
    LOW = "3", _("Basse")


class Task(models.Model):
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=1, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.TODO)
    decision = models.ForeignKey(
        LogEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["priority", "due_at", "pk"]
        # The dashboard's open and overdue tasks.
        indexes: ClassVar = [
            models.Index(fields=["crisis", "status", "due_at"], name="crisis_task_open_due")
        ]

    def __str__(self) -> str:
        return self.title


class SitRep(models.Model):
    """A situation report. Each publication is a new version; a published one never changes."""

    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="sitreps")
    version = models.PositiveIntegerField()
    body = models.TextField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    last_entry = models.PositiveIntegerField(default=0)  # main courante covered up to this number

    class Meta:
        ordering: ClassVar = ["-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["crisis", "version"], name="one_sitrep_version")
        ]

    def __str__(self) -> str:
        return f"SitRep {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Immutable once written: a correction or a new version is a new row.
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} {self.pk} cannot be changed")
        super().save(*args, **kwargs)


class ClockStatus(models.TextChoices):
    PENDING = "pending", _("À faire")
    SUBMITTED = "submitted", _("Transmise")
    NOT_REQUIRED = "not_required", _("Non requise")


class LegalClock(models.Model):
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="clocks")
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    authority = models.CharField(max_length=200)
    source = models.TextField()
    due_at = models.DateTimeField()
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ClockStatus.choices, default=ClockStatus.PENDING
    )
    reference = models.CharField(max_length=200, blank=True)
    evidence = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["due_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["crisis", "code"], name="one_clock_per_code")
        ]

    def __str__(self) -> str:
        return self.code


class ContactKind(models.TextChoices):
    STAFF = "staff", _("Personnel")
    PARTNER = "partner", _("Partenaire")


class Contact(models.Model):
    """One person or organisation of the offline directory."""

    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    function = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=ContactKind.choices, default=ContactKind.STAFF)
    groups = models.CharField(max_length=400, blank=True)  # ";"-separated, lower case
    unit = models.CharField(max_length=20, blank=True)
    on_call = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=200, blank=True)
    username = models.CharField(max_length=64, blank=True)  # links a staff member to a login

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateKind(models.TextChoices):
    STAFF = "staff", _("Information du personnel")
    PATIENTS = "patients", _("Information des patients")
    PRESS = "press", _("Communiqué de presse")
    GDPR_34 = "gdpr_34", _("Courrier RGPD art. 34")


class MessageTemplate(models.Model):
    """A versioned message; usable once the crisis director has approved that version."""

    kind = models.CharField(max_length=20, choices=TemplateKind.choices)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["name", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["name", "version"], name="one_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Alert(models.Model):
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="alerts")
    target = models.CharField(max_length=200)  # "tous", "groupe:<g>", "unite:<code>", "astreinte"
    # Written first in an SMS reply ("K47 1 20") so a reply reaches the alert it answers.
    reply_code = models.CharField(max_length=8, blank=True, db_index=True)
    text = models.TextField()  # as sent, with the EXERCICE prefix when it applies
    by_sms = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [
            models.Index(fields=["crisis", "-created_at"], name="crisis_alert_recent")
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}"


class Delivery(models.TextChoices):
    NONE = "", _("—")
    QUEUED = "queued", _("En file")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")


class Answer(models.TextChoices):
    NONE = "", _("Sans réponse")
    AVAILABLE = "available", _("Disponible")
    UNAVAILABLE = "unavailable", _("Indisponible")


class Recipient(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=200, blank=True)
    sms_status = models.CharField(max_length=10, choices=Delivery.choices, blank=True)
    sms_ref = models.CharField(max_length=200, blank=True)
    email_status = models.CharField(max_length=10, choices=Delivery.choices, blank=True)
    error = models.CharField(max_length=300, blank=True)  # technical detail, in English
    # Why a channel did not deliver, in French for the cell ("" when delivered or not asked).
    sms_reason = models.CharField(max_length=300, blank=True)
    email_reason = models.CharField(max_length=300, blank=True)
    token_used = models.BooleanField(default=False)
    answer = models.CharField(max_length=20, choices=Answer.choices, blank=True)
    eta_minutes = models.PositiveIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=10, blank=True)  # "sms" or "link"

    class Meta:
        ordering: ClassVar = ["contact__name"]

    def __str__(self) -> str:
        return f"{self.alert_id}:{self.contact_id}"


class InboundOutcome(models.TextChoices):
    MATCHED = "matched", _("Réponse enregistrée")
    UNMATCHED = "unmatched", _("Aucune alerte correspondante")
    UNPARSED = "unparsed", _("Réponse non comprise")
    ALREADY = "already", _("Déjà répondu")


class InboundSms(models.Model):
    """Every SMS received, matched or not, kept as it came (a person can still read it)."""

    channel = models.CharField(max_length=10)  # "gsm" (smstools spool) or "http" (gateway)
    ref = models.CharField(max_length=200)  # spool file name or the gateway's message id
    sender = models.CharField(max_length=40)
    text = models.CharField(max_length=480)
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=InboundOutcome.choices)
    recipient = models.ForeignKey(
        Recipient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-received_at", "-pk"]
        # The same message read twice (a replayed webhook, a spool file re-read after a crash)
        # is recorded once.
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["channel", "ref"], name="one_inbound_sms")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.ref}"


class WebhookWindow(models.Model):
    """Requests to the inbound SMS webhook per address in the current minute."""

    address = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.address


class ItemStage(models.TextChoices):
    ISOLATED = "isolated", _("Isolé")
    CLEANED = "cleaned", _("Nettoyé")
    REBUILT = "rebuilt", _("Reconstruit")
    RESTORED = "restored", _("Restauré")
    VALIDATED = "validated", _("Validé par les utilisateurs")


STAGE_ORDER = [s.value for s in ItemStage]


class PlanItem(models.Model):
    """An application or server to bring back, with its computed and overridden wave."""

    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="plan_items")
    ident = models.CharField(max_length=40)
    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    priority = models.PositiveSmallIntegerField()
    care_processes = models.CharField(max_length=300, blank=True)
    depends_on = models.JSONField(default=list)
    wave = models.PositiveIntegerField()
    reason = models.TextField()
    override_wave = models.PositiveIntegerField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    stage = models.CharField(max_length=20, choices=ItemStage.choices, default=ItemStage.ISOLATED)
    stage_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["wave", "ident"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["crisis", "ident"], name="one_plan_item")
        ]

    def __str__(self) -> str:
        return self.ident

    @property
    def effective_wave(self) -> int:
        return self.override_wave if self.override_wave is not None else self.wave

    @property
    def next_stage(self) -> ItemStage | None:
        """The only stage this item may move to now (None once validated)."""
        position = STAGE_ORDER.index(self.stage) + 1
        return ItemStage(STAGE_ORDER[position]) if position < len(STAGE_ORDER) else None


class Credential(models.Model):
    """One line of the credential-rotation checklist."""

    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="credentials")
    ident = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    account_type = models.CharField(max_length=20)  # privileged, service, vendor, vpn, krbtgt
    target = models.CharField(max_length=200, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    rotated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["account_type", "ident"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["crisis", "ident"], name="one_credential")
        ]

    def __str__(self) -> str:
        return self.ident


class Effort(models.Model):
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="efforts")
    item = models.CharField(max_length=40, blank=True)
    person_days = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    cost_eur = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    note = models.CharField(max_length=300)
    on_day = models.DateField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["on_day", "pk"]

    def __str__(self) -> str:
        return self.note


class StageChange(models.Model):
    """Each step of an item, kept so progress over time can be drawn."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="changes")
    stage = models.CharField(max_length=20, choices=ItemStage.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.stage}"
