"""One row per backup written and per restore drill run: what health and the drill read."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class BackupRun(models.Model):
    """A backup attempt. Failed attempts are kept too: a silent scheduler is a warning sign."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    file_name = models.CharField(max_length=300)
    folder = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField(default=0)
    head_seq = models.BigIntegerField(default=0)
    scheduled = models.BooleanField(default=False)
    ok = models.BooleanField(default=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class DrillRun(models.Model):
    """A restore drill: how long restoring took (the crisis cell's RTO figure) and the verdict."""

    at = models.DateTimeField()
    file_name = models.CharField(max_length=300)
    seconds = models.FloatField()
    ok = models.BooleanField()
    summary = models.CharField(max_length=500)

    class Meta:
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.file_name}"
