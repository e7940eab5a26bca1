"""Backups and drills (what health and the drill read), and the pairing of unit satellites."""

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


# --- Unit satellites (see satellite.py). Main side: codes, satellites, their journals. ---


class PairingCode(models.Model):
    """A one-time enrolment code, shown once on the main instance; only its hash is kept."""

    code_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=80)
    units = models.JSONField(default=list)  # unit codes the satellite will receive
    tempids = models.PositiveIntegerField(default=1000)  # identifiers delegated at enrolment
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=120)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"pairing:{self.name}"


class Satellite(models.Model):
    """An enrolled satellite, known by its public keys; revoked ones receive nothing more."""

    uid = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    units = models.JSONField(default=list)
    sign_public = models.CharField(max_length=64)  # Ed25519, hex: signs its requests
    box_public = models.CharField(max_length=64)  # X25519, hex: snapshots are sealed to it
    tempid_first = models.PositiveIntegerField()
    tempid_last = models.PositiveIntegerField()
    tempid_site = models.CharField(max_length=2)
    enrolled_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["name", "pk"]

    def __str__(self) -> str:
        return f"satellite:{self.name}"


class SatelliteJournalEntry(models.Model):
    """One entry of a satellite's own journal, brought back by a push; its chain is verified."""

    satellite = models.ForeignKey(Satellite, on_delete=models.PROTECT, related_name="journal")
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    actor = models.CharField(max_length=120)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["satellite", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["satellite", "seq"], name="satellite_journal_seq")
        ]

    def __str__(self) -> str:
        return f"{self.satellite_id}#{self.seq}"


class MainKeys(models.Model):
    """One row on a main instance: the keys it signs snapshots with and opens pushes with."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sign_private = models.CharField(max_length=64)
    box_private = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return "main keys"


# --- Satellite side: the pairing with its main instance, and what was exchanged. ---


class SatelliteLink(models.Model):
    """One row on a satellite: its main instance, its keys, and how fresh its data is."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    uid = models.CharField(max_length=32)
    name = models.CharField(max_length=80)
    main_url = models.CharField(max_length=300)
    ca_file = models.CharField(max_length=500, blank=True)
    units = models.JSONField(default=list)
    sign_private = models.CharField(max_length=64)
    box_private = models.CharField(max_length=64)
    main_sign_public = models.CharField(max_length=64)
    main_box_public = models.CharField(max_length=64)
    tempid_first = models.PositiveIntegerField()
    tempid_last = models.PositiveIntegerField()
    tempid_site = models.CharField(max_length=2)
    enrolled_at = models.DateTimeField()
    digests = models.JSONField(default=dict)  # subject key -> digest of what was applied
    synced_users = models.JSONField(default=list)  # usernames that came from the main
    last_sync_at = models.DateTimeField(null=True, blank=True)  # when the last pull applied
    data_as_of = models.DateTimeField(null=True, blank=True)  # the main's freshness then
    snapshot_at = models.DateTimeField(null=True, blank=True)  # the main's clock then
    journal_pushed_seq = models.BigIntegerField(default=0)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"link:{self.name}"


class SyncedEntry(models.Model):
    """A care entry version the main instance already holds: pulled from it, or pushed to it."""

    chain = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    origin = models.CharField(max_length=8)  # "main" or "local"
    at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["chain", "version"], name="synced_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.origin}:{self.chain}@{self.version}"
