"""Break-glass grants: opening a record outside one's units, with a reason, for a while."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BreakGlassReason(models.TextChoices):
    EMERGENCY = "emergency", _("Urgence vitale")
    TRANSFER = "transfer", _("Patient transféré dans mon unité")
    CONSULT = "consult", _("Avis ou consultation demandé")
    CONTINUITY = "continuity", _("Continuité des soins (garde, astreinte)")
    OTHER = "other", _("Autre motif (préciser)")


class BreakGlass(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("mirror.Patient", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=BreakGlassReason.choices)
    details = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "patient", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}->{self.patient_id}"


class NameWord(models.Model):
    """One distinct word of the patients' names: the vocabulary of the typo-tolerant search.

    Filled by a database trigger on every insert into ``mirror_patienttoken``, whatever wrote
    it (the mirror's raw SQL, a satellite's bulk copy, a script), and indexed by trigrams
    (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``); see migration 0002. A search looks up
    candidate words here, then patients by ``PatientToken``: this table never says which
    patient bears a word, so it holds nothing the search's scope rules have not yet filtered.
    Words are never removed: a word no patient bears any more only costs one look-up.
    """

    word = models.CharField(max_length=80, unique=True)

    def __str__(self) -> str:
        return self.word
