"""How a mirror identity reads to a person: its INS status, the patient's age."""

from __future__ import annotations

import datetime as dt


def ins_status(statuses: str, trusted: bool) -> str:
    """The badge: 'qualifiée' only when the INS may be trusted (DESIGN.md)."""
    codes = statuses.split()
    if trusted:
        return "qualifiée"
    if "VALI" in codes:
        return "validée"
    if "RECUP" in codes:
        return "récupérée"
    return "provisoire"


def age(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
