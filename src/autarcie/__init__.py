"""Autarcie: downtime continuity of care and crisis management for hospitals."""

__version__ = "0.1.0.dev0"
