"""The chart app: the read model of the mirror (and later of downtime care)."""

from django.apps import AppConfig


class ChartConfig(AppConfig):
    name = "autarcie.chart"
    label = "chart"
    verbose_name = "Autarcie chart"
