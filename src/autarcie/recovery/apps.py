"""Django app configuration of recovery."""

from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "autarcie.recovery"
    label = "recovery"
    default_auto_field = "django.db.models.BigAutoField"
