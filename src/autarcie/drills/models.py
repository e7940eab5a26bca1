"""Exercise scenarios, their timed injects, the runs that play them, what was observed, and
the lessons learned (from an exercise or a real crisis)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from autarcie.core.models import User
from autarcie.crisis.models import Crisis


class Scenario(models.Model):
    code = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    sources = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["title"]

    def __str__(self) -> str:
        return self.title


class Inject(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="injects")
    number = models.PositiveIntegerField()
    offset_minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=60)
    sender = models.CharField(max_length=200)
    content = models.TextField()
    expected = models.TextField()

    class Meta:
        ordering: ClassVar = ["offset_minutes", "number"]

    def __str__(self) -> str:
        return f"{self.scenario_id}#{self.number}"


class ExerciseRun(models.Model):
    """A scenario played on an exercise crisis; the facilitator may shift the pace."""

    crisis = models.OneToOneField(Crisis, on_delete=models.PROTECT, related_name="exercise_run")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    shift_minutes = models.IntegerField(default=0)  # added to every offset not yet played
    facilitator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"run {self.pk}"


class Observation(models.Model):
    run = models.ForeignKey(ExerciseRun, on_delete=models.PROTECT, related_name="observations")
    inject = models.ForeignKey(Inject, on_delete=models.PROTECT, related_name="+")
    observed = models.TextField()
    met = models.BooleanField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["recorded_at"]

    def __str__(self) -> str:
        return f"obs {self.pk}"


class LessonStatus(models.TextChoices):
    OPEN = "open", _("À lancer")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")
    DROPPED = "dropped", _("Abandonnée")


class Lesson(models.Model):
    """One lesson learned from an exercise or a real crisis, and the action it calls for."""

    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="lessons")
    happened = models.TextField()  # what happened
    lesson = models.TextField()  # what we learn from it
    action = models.TextField(blank=True)  # what will be done
    owner = models.CharField(max_length=200, blank=True)  # a person or a service
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=LessonStatus.choices, default=LessonStatus.OPEN
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"lesson {self.pk}"
