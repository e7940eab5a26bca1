"""One row per kit build: where its files are, what it witnessed, whether it was printed."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class BuildStatus(models.TextChoices):
    READY = "ready", "prêt"
    PRUNED = "pruned", "supprimé (rétention)"


class PrintStatus(models.TextChoices):
    NONE = "", "non demandé"
    SENT = "sent", "envoyé à l'imprimante"
    FAILED = "failed", "échec d'impression"


class KitBuild(models.Model):
    build_id = models.CharField(max_length=40, unique=True)
    unit_code = models.CharField(max_length=20)
    built_at = models.DateTimeField()
    data_as_of = models.DateTimeField(null=True)
    head_seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    folder = models.CharField(max_length=500)  # absolute: --out may be anywhere
    files = models.JSONField(default=list)  # [{"name", "pages", "bytes", "sha256"}]
    patients = models.PositiveIntegerField(default=0)
    tempid_first = models.CharField(max_length=16, blank=True)
    tempid_last = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=8, choices=BuildStatus.choices, default=BuildStatus.READY)
    print_status = models.CharField(max_length=8, choices=PrintStatus.choices, blank=True)
    print_error = models.CharField(max_length=300, blank=True)
    printer = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering: ClassVar = ["-built_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["unit_code", "status", "built_at"])]

    def __str__(self) -> str:
        return self.build_id

    def file_names(self) -> list[str]:
        return [str(f["name"]) for f in self.files]
