"""The drills app."""

from django.apps import AppConfig


class DrillsConfig(AppConfig):
    name = "autarcie.drills"
    label = "drills"
    verbose_name = "Autarcie exercises"
