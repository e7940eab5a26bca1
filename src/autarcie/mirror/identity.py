"""How a mirror identity reads to a person: its INS status, the patient's age."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from autarcie.mirror.records import is_ins_authority

_PARIS = ZoneInfo("Europe/Paris")


INS_ONLY = "INS seule, à rapprocher"


def ins_status(statuses: str, trusted: bool, authority: str = "") -> str:
    """The badge: 'qualifiée' only when the INS may be trusted (DESIGN.md); an identity known
    by its INS alone (no IPP received) says so until someone reconciles it."""
    codes = statuses.split()
    if is_ins_authority(authority):
        return INS_ONLY
    if trusted:
        return "qualifiée"
    if "VALI" in codes:
        return "validée"
    if "RECUP" in codes:
        return "récupérée"
    return "provisoire"


def age(birth: dt.date | None, on: dt.date | dt.datetime) -> int | None:
    """Age in whole years on a day; an instant counts by its Paris date (a birthday starts at
    midnight Paris time, 22:00 or 23:00 UTC the day before)."""
    if birth is None:
        return None
    if isinstance(on, dt.datetime):
        on = on.astimezone(_PARIS).date()
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
