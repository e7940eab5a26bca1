"""The mirror app: feeds in, versions and projections out."""

from django.apps import AppConfig


class MirrorConfig(AppConfig):
    name = "autarcie.mirror"
    label = "mirror"
    verbose_name = "Autarcie mirror"
