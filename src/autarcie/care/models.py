"""Downtime records: temporary identities, versioned care entries, drug stock, critical beds.

Care entries and stock entries are append-only: a correction is a new row of the same
``chain`` with the next ``version`` and a reason; the current view shows the latest version.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PHARMACY = "PUI"  # the hospital pharmacy's stock location, beside the unit codes


class EntryKind(models.TextChoices):
    IDENTITY = "identity", _("Identité provisoire")
    MOVEMENT = "movement", _("Mouvement")
    PASSAGE = "passage", _("Passage aux urgences")
    VITALS = "vitals", _("Constantes")
    ADMINISTRATION = "administration", _("Administration")
    PRESCRIPTION = "prescription", _("Prescription")
    NOTE = "note", _("Note")
    RESULT = "result", _("Résultat reçu sur papier")


class MovementKind(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    TRANSFER = "transfer", _("Transfert")
    LEAVE = "leave", _("Permission (absence temporaire)")
    RETURN = "return", _("Retour de permission")
    DISCHARGE = "discharge", _("Sortie")


class TempPatient(models.Model):
    """A patient admitted during the downtime under a temporary identifier (status PROV).

    The identity columns show the latest ``identity`` entry of the patient; every version is
    kept in ``CareEntry``.
    """

    tempid = models.CharField(max_length=12, unique=True)
    birth_family = models.CharField(max_length=120)
    used_family = models.CharField(max_length=120, blank=True)
    given = models.CharField(max_length=160)
    birth_date = models.DateField(null=True)
    sex = models.CharField(max_length=1)
    birthplace = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=8, default="PROV")
    unit_code = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=120)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return self.tempid


class Versioned(models.Model):
    """Columns every append-only record shares."""

    chain = models.CharField(max_length=32)
    version = models.PositiveIntegerField(default=1)
    reason = models.CharField(max_length=300, blank=True)  # why this version replaced the last
    cancelled = models.BooleanField(default=False)  # a correction may say "entered in error"
    written_at = models.DateTimeField()  # clinical time, as written on paper or at the bedside
    typed_at = models.DateTimeField()  # when it reached Autarcie
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=120)

    class Meta:
        abstract = True


class CareEntry(Versioned):
    """One version of one downtime record about a patient (mirror or temporary identity)."""

    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    patient = models.ForeignKey(
        "mirror.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    temp_patient = models.ForeignKey(
        TempPatient, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    unit_code = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["chain", "version"], name="care_entry_version"),
            models.CheckConstraint(
                condition=(
                    models.Q(patient__isnull=False, temp_patient__isnull=True)
                    | models.Q(patient__isnull=True, temp_patient__isnull=False)
                ),
                name="care_entry_one_subject",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["kind", "written_at"]),
            # One patient's entries of one kind (the record page, where the patient is now):
            # without these SQLite prefers the kind index and reads the whole hospital's
            # movements for every page.
            models.Index(fields=["patient", "kind"], name="care_entry_patient_kind"),
            models.Index(fields=["temp_patient", "kind"], name="care_entry_temp_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.chain}@{self.version}"


class StockKind(models.TextChoices):
    RECEIPT = "receipt", _("Réception")
    DISPENSATION = "dispensation", _("Dispensation / sortie")
    COUNT = "count", _("Inventaire (comptage)")
    TRANSFER_OUT = "transfer_out", _("Transfert sortant")
    TRANSFER_IN = "transfer_in", _("Transfert entrant")


class StockUnit(models.TextChoices):
    """What one unit of stock is, by name: a count of 12 reads "12 ampoules", never "12 AMP"."""

    TABLET = "tablet", _("comprimé")
    CAPSULE = "capsule", _("gélule")
    AMPOULE = "ampoule", _("ampoule")
    VIAL = "vial", _("flacon")
    BAG = "bag", _("poche")
    SYRINGE = "syringe", _("seringue préremplie")
    PEN = "pen", _("stylo")
    SACHET = "sachet", _("sachet")
    TUBE = "tube", _("tube")
    ML = "ml", _("mL")
    DOSE = "dose", _("dose")


class StockEntry(Versioned):
    """One version of one stock movement of one drug at one location (a unit or the PUI)."""

    location = models.CharField(max_length=20)
    drug_code = models.CharField(max_length=40)
    drug_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=StockKind.choices)
    quantity = models.PositiveIntegerField()
    # Blank only on movements recorded before units were kept.
    unit = models.CharField(max_length=16, choices=StockUnit.choices, blank=True)
    counterpart = models.CharField(max_length=20, blank=True)  # other location of a transfer

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["chain", "version"], name="stock_entry_version"),
        ]
        indexes: ClassVar = [models.Index(fields=["location", "drug_code", "written_at"])]

    def __str__(self) -> str:
        return f"{self.location}:{self.drug_code}:{self.kind}"


class StockThreshold(models.Model):
    """Below this many units, a shortage alert is raised."""

    location = models.CharField(max_length=20)
    drug_code = models.CharField(max_length=40)
    drug_label = models.CharField(max_length=200)
    minimum = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["location", "drug_code"], name="one_threshold")
        ]

    def __str__(self) -> str:
        return f"{self.location}:{self.drug_code}<{self.minimum}"


class StockAlert(models.Model):
    """A shortage: the level fell below the threshold after a stock entry."""

    location = models.CharField(max_length=20)
    drug_code = models.CharField(max_length=40)
    drug_label = models.CharField(max_length=200)
    level = models.IntegerField()
    minimum = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    entry = models.ForeignKey(StockEntry, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.location}:{self.drug_code}={self.level}"


class RorCategory(models.TextChoices):
    """TRE_R244 critical-care offer types."""

    REA = "121", _("Réanimation")
    USIP_CONTIGUOUS = "122", _("USIP contiguë")
    USIP_SEPARATE = "139", _("USIP non contiguë")
    USIP_DEROGATORY = "123", _("USIP dérogatoire")
    USI_SPECIALTY = "124", _("USI de spécialité")
    USIC = "262", _("USIC")
    USINV = "263", _("USINV")
    USIH = "264", _("USIH")
    CONTINUING = "254", _("Surveillance continue")


class CriticalUnit(models.Model):
    """A unit whose beds the region follows: its ROR category and installed beds."""

    unit = models.OneToOneField("core.Unit", on_delete=models.PROTECT, related_name="+")
    ror_category = models.CharField(max_length=3, choices=RorCategory.choices)
    installed = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.ror_category}"


class BedSource(models.TextChoices):
    CENSUS = "census", _("d'après le tableau des présents")
    MANUAL = "manual", _("saisie manuelle")


class BedReport(models.Model):
    """One availability statement of a critical unit; the history is every row."""

    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    ror_category = models.CharField(max_length=3, choices=RorCategory.choices)
    installed = models.PositiveIntegerField()
    available = models.PositiveIntegerField()
    occupied = models.PositiveIntegerField()
    closed = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=BedSource.choices)
    recorded_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=120)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["unit", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.recorded_at}"
