"""The kits app."""

from django.apps import AppConfig


class KitsConfig(AppConfig):
    name = "autarcie.kits"
    label = "kits"
    verbose_name = "Autarcie paper kits"
