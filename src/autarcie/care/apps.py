"""The care app: downtime entries, drug stock and critical-care beds."""

from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "autarcie.care"
    label = "care"
    verbose_name = "Autarcie care"
