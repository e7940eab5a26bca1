"""When a prescription is next due, from its frequency: HL7 codes and French wording."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# The hospital's usual administration rounds for each frequency.
_ROUNDS: dict[str, tuple[str, ...]] = {
    "QD": ("08:00",),
    "QAM": ("08:00",),
    "QPM": ("20:00",),
    "QHS": ("22:00",),
    "BID": ("08:00", "20:00"),
    "TID": ("08:00", "14:00", "20:00"),
    "QID": ("06:00", "12:00", "18:00", "00:00"),
    "Q4H": ("00:00", "04:00", "08:00", "12:00", "16:00", "20:00"),
    "Q6H": ("00:00", "06:00", "12:00", "18:00"),
    "Q8H": ("06:00", "14:00", "22:00"),
    "Q12H": ("08:00", "20:00"),
}

_LABELS = {
    "QD": "1 fois par jour",
    "QAM": "le matin",
    "QPM": "le soir",
    "QHS": "au coucher",
    "BID": "2 fois par jour",
    "TID": "3 fois par jour",
    "QID": "4 fois par jour",
    "Q4H": "toutes les 4 h",
    "Q6H": "toutes les 6 h",
    "Q8H": "toutes les 8 h",
    "Q12H": "toutes les 12 h",
    "PRN": "si besoin",
}

_TIMES = re.compile(r"\b([01]?\d|2[0-3])[h:]([0-5]\d)?\b")


# A frequency typed in a downtime prescription, or shown by chart, in its French wording.
_CODE_OF_LABEL = {text: code for code, text in _LABELS.items()}


def rounds(frequency: str, explicit_times: str = "") -> tuple[str, ...]:
    """Clock times ("HH:MM") of the rounds; empty when 'if needed' or unknown."""
    if explicit_times.strip():
        return tuple(sorted(explicit_times.split()))
    code = _CODE_OF_LABEL.get(frequency.strip().lower(), frequency)
    code = code.strip().upper().replace(" ", "")
    if code in _ROUNDS:
        return tuple(sorted(_ROUNDS[code]))
    found = [f"{int(h):02d}:{m or '00'}" for h, m in _TIMES.findall(frequency)]
    return tuple(sorted(found))


def label(frequency: str) -> str:
    return _LABELS.get(frequency.strip().upper(), frequency)


def next_due(
    frequency: str, after: dt.datetime, count: int = 3, explicit: str = ""
) -> list[dt.datetime]:
    """The next ``count`` due instants after ``after`` (aware), in Paris local time."""
    times = rounds(frequency, explicit)
    if not times:
        return []
    local = after.astimezone(PARIS)
    due: list[dt.datetime] = []
    day = local.date()
    while len(due) < count:
        for hhmm in times:
            hour, minute = (int(x) for x in hhmm.split(":"))
            moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)
            if moment > local:
                due.append(moment)
                if len(due) == count:
                    break
        day += dt.timedelta(days=1)
    return due


def due_instants(rounds: tuple[str, ...], start: dt.datetime, hours: int) -> list[dt.datetime]:
    """Every round falling in (start, start + hours], in Paris local time.

    The administration grid's columns, on screen and on the kit's printed grid alike. The
    window is measured in real hours (UTC): on a change of clocks a 24 h grid spans 23 or 25
    hours of the wall clock. Aware datetimes sharing one tzinfo compare by wall time, so the
    comparisons are made between UTC instants.
    """
    if not rounds:
        return []
    begin = start.astimezone(dt.UTC)
    end = begin + dt.timedelta(hours=hours)
    found: dict[dt.datetime, dt.datetime] = {}
    day = begin.astimezone(PARIS).date()
    while day <= end.astimezone(PARIS).date():
        for hhmm in rounds:
            hour, minute = (int(x) for x in hhmm.split(":"))
            moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)
            instant = moment.astimezone(dt.UTC)
            if begin < instant <= end:
                # a time the spring change skips (02:30) falls on the next real hour
                found[instant] = instant.astimezone(PARIS)
        day += dt.timedelta(days=1)
    return [found[key] for key in sorted(found)]
