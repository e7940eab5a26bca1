"""The core app's registration and system checks."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "autarcie.core"
    label = "core"
    verbose_name = "Autarcie core"

    def ready(self) -> None:
        from autarcie.core import checks  # noqa: F401  (registers the system checks)
