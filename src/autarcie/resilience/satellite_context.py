"""On a satellite, every page says so, and how old its data is."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from autarcie.core import clock
from autarcie.resilience.models import SatelliteLink

PARIS = ZoneInfo("Europe/Paris")


def _ago(moment: dt.datetime, now: dt.datetime) -> str:
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return "moins d'une minute"
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d}"
    return f"{hours // 24} jours"


def banner(link: SatelliteLink, now: dt.datetime | None = None) -> str:
    """« Données du 16/04/2024 à 14:02 — satellite, synchronisé il y a 7 min »."""
    moment = now or clock.now()
    if link.last_sync_at is None:
        return f"Satellite « {link.name} » — jamais synchronisé : aucune donnée reçue."
    as_of = link.data_as_of or link.snapshot_at or link.last_sync_at
    text = (
        f"Données du {as_of.astimezone(PARIS):%d/%m/%Y à %H:%M} — satellite « {link.name} », "
        f"synchronisé il y a {_ago(link.last_sync_at, moment)}"
    )
    if link.revoked:
        text += " — RÉVOQUÉ par l'instance principale, plus aucune mise à jour"
    elif link.last_error:
        text += (
            " — dernière tentative de synchronisation en échec (instance principale injoignable ?)"
        )
    return text


# Most instances are not satellites: say so without a query on every page for a minute
# (an instance enrolled while serving shows its banner within that minute).
NOT_A_SATELLITE_SECONDS = 60.0
_not_a_satellite_until = 0.0


def satellite_context(request: HttpRequest) -> dict[str, Any]:
    global _not_a_satellite_until  # noqa: PLW0603 (one process-wide hint, never data)
    if time.monotonic() < _not_a_satellite_until:
        return {"satellite_banner": ""}
    link = SatelliteLink.objects.filter(pk=1).first()
    if link is None:
        _not_a_satellite_until = time.monotonic() + NOT_A_SATELLITE_SECONDS
        return {"satellite_banner": ""}
    return {"satellite_banner": banner(link)}
