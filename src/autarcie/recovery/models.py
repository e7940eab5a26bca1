"""Recovery state: identity decisions and, per record and channel, what was sent and answered."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    MATCH = "match", _("Même patient qu'un IPP existant")
    NEW = "new", _("Nouveau patient")


class LinkState(models.TextChoices):
    PROPOSED = "proposed", _("Proposé, en attente de confirmation")
    CONFIRMED = "confirmed", _("Confirmé")
    UNDONE = "undone", _("Annulé")


class IdentityLink(models.Model):
    """One decision about a temporary identity: the real IPP it is, or a new patient.

    A second person holding the admissions role confirms it (identity vigilance); until its
    records are exported it may be undone, which keeps the row (state ``undone``).
    """

    temp_patient = models.ForeignKey("care.TempPatient", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    patient = models.ForeignKey(
        "mirror.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.FloatField(default=0.0)
    state = models.CharField(max_length=10, choices=LinkState.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True)
    undone_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["temp_patient"],
                condition=models.Q(state__in=["proposed", "confirmed"]),
                name="one_live_identity_link",
            ),
            models.CheckConstraint(
                condition=models.Q(decision="new", patient__isnull=True)
                | models.Q(decision="match", patient__isnull=False),
                name="identity_link_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.temp_patient_id}:{self.decision}:{self.state}"


class Channel(models.TextChoices):
    FHIR = "fhir", _("FHIR (SIH)")
    HL7 = "hl7", _("HL7 v2 (SIH)")
    RPU = "rpu", _("RPU (ORU / OSCOUR)")
    ROR = "ror", _("ROR (disponibilité des lits)")


class Status(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyé, sans réponse")
    ACKNOWLEDGED = "acknowledged", _("Accepté")
    REJECTED = "rejected", _("Refusé")


class ExportRecord(models.Model):
    """What one channel was given of one downtime record, and what the receiver answered.

    ``record`` is stable across corrections (``entry:<chain>``, ``identity:<tempid>``,
    ``bed:<id>``); ``version`` is the version last sent, so a later correction is pending again.
    """

    record = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=16)
    unit_code = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING)
    answer = models.CharField(max_length=500, blank=True)  # MSA-3, OperationOutcome, file name
    message_id = models.CharField(max_length=80, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    first_sent_at = models.DateTimeField(null=True)
    sent_at = models.DateTimeField(null=True)
    answered_at = models.DateTimeField(null=True)
    sent_by = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["record", "channel"], name="one_export_per_channel")
        ]
        indexes: ClassVar = [models.Index(fields=["channel", "status"])]

    def __str__(self) -> str:
        return f"{self.record}/{self.channel}={self.status}"
