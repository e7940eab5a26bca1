"""The viewer app."""

from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "autarcie.viewer"
    label = "viewer"
    verbose_name = "Autarcie viewer"
