"""The mirror's store: inbound messages, append-only versions, and the projections care reads.

Inbound rows and versions are never updated in place (an inbound row only moves between states:
held, applied, quarantined, discarded). Projections are derived: they can be rebuilt from the
versions, and each projection row says which version it shows.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from autarcie.mirror.records import is_ins_authority


class InboundState(models.TextChoices):
    APPLIED = "applied", "appliqué"
    HELD = "held", "retenu (miroir gelé)"
    QUARANTINED = "quarantined", "en quarantaine"
    IGNORED = "ignored", "conservé, non appliqué"
    DISCARDED = "discarded", "écarté"
    REFUSED = "refused", "refusé"


class Feed(models.TextChoices):
    HL7 = "hl7", "HL7 v2"
    FHIR = "fhir", "FHIR"
    CSV = "csv", "CSV"


class Inbound(models.Model):
    """One message or resource as received, with its raw bytes, kept whatever happens to it."""

    feed = models.CharField(max_length=8, choices=Feed.choices)
    sender = models.CharField(max_length=200)
    # NULL, not "": unreadable messages have no control id and must not collide.
    control_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    event = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField()
    raw = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=InboundState.choices)
    reason = models.TextField(blank=True)
    error_location = models.CharField(max_length=40, blank=True)
    ack_code = models.CharField(max_length=2, blank=True)
    applied_at = models.DateTimeField(null=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["feed", "sender", "control_id"], name="inbound_once_per_sender"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["feed", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.feed}:{self.sender}:{self.control_id}"


class Version(models.Model):
    """The full normalised state of one resource after one inbound message. Append-only."""

    rtype = models.CharField(max_length=32)
    rkey = models.CharField(max_length=300)
    version = models.PositiveIntegerField()
    inbound = models.ForeignKey(Inbound, null=True, on_delete=models.PROTECT, related_name="+")
    feed = models.CharField(max_length=8)
    received_at = models.DateTimeField()
    deleted = models.BooleanField(default=False)
    data = models.JSONField()

    class Meta:
        # The unique index also serves every read of versions (a resource's versions in order,
        # a type's versions for time travel): other indexes would cost each message a random
        # page write for nothing (see docs/performance.md).
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["rtype", "rkey", "version"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.rtype}/{self.rkey}@{self.version}"


class Patient(models.Model):
    """Current identity of a patient, keyed by (assigning authority, IPP)."""

    rkey = models.CharField(max_length=300, unique=True)
    authority = models.CharField(max_length=120)
    ipp = models.CharField(max_length=64)
    birth_family = models.CharField(max_length=120, blank=True)
    used_family = models.CharField(max_length=120, blank=True)
    given = models.CharField(max_length=160, blank=True)
    birth_date = models.DateField(null=True)
    sex = models.CharField(max_length=1, blank=True)
    ins = models.CharField(max_length=20, blank=True)  # shown only when ins_trusted
    ins_oid = models.CharField(max_length=40, blank=True)
    ins_trusted = models.BooleanField(default=False)
    statuses = models.CharField(max_length=120, blank=True)  # PID-32 values, space-separated
    hidden = models.BooleanField(default=False)
    deceased = models.BooleanField(default=False)
    birthplace_code = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=300, blank=True)
    search_text = models.CharField(max_length=400, blank=True)
    # Every identifier as received by any feed (JSON list: system, value, type_code, feed,
    # assigner), the INS apart; text, so that a value can be looked up on any engine.
    identifiers = models.TextField(blank=True, default="")
    digest = models.CharField(max_length=32, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["ipp"]),
            models.Index(fields=["birth_date"]),
            models.Index(fields=["ins"]),
        ]

    def __str__(self) -> str:
        return self.rkey

    @property
    def ins_only(self) -> bool:
        """Known by its qualified INS alone (a result from outside, no IPP): to reconcile."""
        return is_ins_authority(self.authority)


class Stay(models.Model):
    """A venue (NDA): where the patient is now, derived from its movements."""

    rkey = models.CharField(max_length=300, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="stays")
    nda = models.CharField(max_length=64)
    patient_class = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=16)  # preadmitted admitted on_leave discharged cancelled
    admitted_at = models.DateTimeField(null=True)
    discharged_at = models.DateTimeField(null=True)
    unit_code = models.CharField(max_length=20, blank=True)
    room = models.CharField(max_length=20, blank=True)
    bed = models.CharField(max_length=20, blank=True)
    medical_unit = models.CharField(max_length=20, blank=True)
    attending = models.CharField(max_length=200, blank=True)
    # "movements", "snapshot", or "by_movement": folded from movements although the admission
    # was never received (shown as "séjour connu par mouvement").
    source = models.CharField(max_length=12, blank=True)
    digest = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["unit_code", "status"])]

    def __str__(self) -> str:
        return self.rkey


class Movement(models.Model):
    rkey = models.CharField(max_length=300, unique=True)
    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="movements")
    movement_id = models.CharField(max_length=120)
    kind = models.CharField(max_length=24)
    trigger = models.CharField(max_length=8)
    start = models.DateTimeField()
    unit_code = models.CharField(max_length=20, blank=True)
    room = models.CharField(max_length=20, blank=True)
    bed = models.CharField(max_length=20, blank=True)
    medical_unit = models.CharField(max_length=20, blank=True)
    nature = models.CharField(max_length=4, blank=True)
    attending = models.CharField(max_length=200, blank=True)
    patient_class = models.CharField(max_length=2, blank=True)
    cancelled = models.BooleanField(default=False)
    historic = models.BooleanField(default=False)
    digest = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.rkey


class ClinicalItem(models.Model):
    """Common columns of the per-patient clinical projections."""

    rkey = models.CharField(max_length=300, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.rkey


class Allergy(ClinicalItem):
    code = models.CharField(max_length=64, blank=True)
    system = models.CharField(max_length=200, blank=True)
    label = models.CharField(max_length=200)
    category = models.CharField(max_length=20, blank=True)
    severity = models.CharField(max_length=20, blank=True)
    reaction = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)


class Condition(ClinicalItem):
    code = models.CharField(max_length=64, blank=True)
    system = models.CharField(max_length=200, blank=True)  # FHIR URI, or a local name as sent
    label = models.CharField(max_length=200)
    onset = models.DateField(null=True)
    active = models.BooleanField(default=True)


class Immunization(ClinicalItem):
    code = models.CharField(max_length=64, blank=True)
    label = models.CharField(max_length=200)
    occurred_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=20)  # completed not-done entered-in-error
    lot_number = models.CharField(max_length=60, blank=True)


class Prescription(ClinicalItem):
    stay_nda = models.CharField(max_length=64, blank=True)
    drug_code = models.CharField(max_length=40, blank=True)
    drug_system = models.CharField(max_length=200, blank=True)
    drug_label = models.CharField(max_length=200)
    dose = models.CharField(max_length=40, blank=True)
    dose_unit = models.CharField(max_length=40, blank=True)
    route = models.CharField(max_length=60, blank=True)
    frequency = models.CharField(max_length=120, blank=True)
    times = models.CharField(max_length=120, blank=True)  # "08:00 12:00 20:00"
    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)
    prescriber = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16)  # active stopped cancelled completed
    active = models.BooleanField(default=True)


class Administration(ClinicalItem):
    prescription_rkey = models.CharField(max_length=300, blank=True)
    drug_label = models.CharField(max_length=200)
    given_at = models.DateTimeField(null=True)
    dose = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=16)


class Result(ClinicalItem):
    # The (patient, observed_at) index below serves every look-up by patient: a second index on
    # the patient alone would cost each new result another random page write.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+", db_index=False)
    panel_code = models.CharField(max_length=64, blank=True)
    panel_label = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=64)
    code_system = models.CharField(max_length=200, blank=True)  # FHIR URI, or local as sent
    label = models.CharField(max_length=200)
    value = models.CharField(max_length=200, blank=True)
    value_num = models.FloatField(null=True)
    unit = models.CharField(max_length=40, blank=True)  # the unit's code (OBX-6.1), else its text
    unit_system = models.CharField(max_length=200, blank=True)  # UCUM's URI when it is UCUM
    reference_range = models.CharField(max_length=60, blank=True)
    flag = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=2)  # F C D (P)
    observed_at = models.DateTimeField(null=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["patient", "observed_at"])]


class Document(ClinicalItem):
    # The producer's document number (MDM TXA-12) the row shows now: replacements and
    # cancellations name it, and the row keeps the key of the first version.
    number = models.CharField(max_length=200, blank=True, db_index=True)
    type_code = models.CharField(max_length=64, blank=True)
    type_system = models.CharField(max_length=200, blank=True)
    type_label = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    authored_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=2)
    confidential = models.BooleanField(default=False)


class Reference(models.Model):
    """Practitioners, locations and organisations: labels the screens need."""

    rkey = models.CharField(max_length=300, unique=True)  # "Practitioner/123"
    rtype = models.CharField(max_length=32)
    label = models.CharField(max_length=300)
    digest = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.rkey


class MirrorState(models.Model):
    """One row: whether feeds are applied or held, and why."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    frozen = models.BooleanField(default=False)
    frozen_at = models.DateTimeField(null=True)
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return "frozen" if self.frozen else "live"


class FeedStatus(models.Model):
    """Per feed and sender: when it last spoke, and how it went."""

    feed = models.CharField(max_length=8)
    sender = models.CharField(max_length=200)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    received = models.PositiveBigIntegerField(default=0)
    applied = models.PositiveBigIntegerField(default=0)
    held = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    last_lag_seconds = models.FloatField(null=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["feed", "sender"], name="one_status_per_feed_sender")
        ]

    def __str__(self) -> str:
        return f"{self.feed}:{self.sender}"


class PatientToken(models.Model):
    """One normalised word of a patient's names: prefix and typo-tolerant search on any engine.

    Maintained by the store in the same transaction as the patient's projection. Its indexes
    are patient search's covering indexes, (token, patient) and (patient, token), created by
    the chart app's migrations; they serve every look-up by token or by patient.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=80)

    def __str__(self) -> str:
        return self.token
