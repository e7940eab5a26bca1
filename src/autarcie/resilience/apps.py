"""The self-resilience app."""

from django.apps import AppConfig


class ResilienceConfig(AppConfig):
    name = "autarcie.resilience"
    label = "resilience"
    verbose_name = "Autarcie self-resilience"
