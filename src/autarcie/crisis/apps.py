"""The crisis app."""

from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "autarcie.crisis"
    label = "crisis"
    verbose_name = "Autarcie crisis cell"
