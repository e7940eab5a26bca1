"""HL7 v2 DT/TS/DTM values to Python dates and aware UTC datetimes (naive means Paris time)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]; the HL7 "degree of precision" suffix of old
# TS values (`^S`) is a separate component and never reaches this function.
_TS = re.compile(
    r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?(?:([+-])(\d{2})(\d{2}))?",
    re.ASCII,
)
_DATE = re.compile(r"(\d{4})(\d{2})?(\d{2})?", re.ASCII)


def parse_ts(value: str) -> dt.datetime:
    """Read an HL7 timestamp as an aware UTC datetime; raise ValueError if it is not one.

    Missing parts of a partial value take their lowest value (`202501` is 1 January 2025,
    00:00, Paris time); a value without an offset is Paris local time.
    """
    return _parse_ts_cached(value.strip())


@lru_cache(maxsize=4096)
def _parse_ts_cached(value: str) -> dt.datetime:
    # Feeds repeat the same instants (admission time in every later message): cache them.
    match = _TS.fullmatch(value)
    if match is None:
        raise ValueError(f"not an HL7 timestamp: {value!r}")
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0").ljust(6, "0"))
    if sign is None:
        tz: dt.tzinfo = PARIS
    else:
        offset = dt.timedelta(hours=int(off_h), minutes=int(off_m))
        if offset >= dt.timedelta(hours=24):
            raise ValueError(f"timezone offset out of range in {value!r}")
        tz = dt.timezone(-offset if sign == "-" else offset)
    local = dt.datetime(
        int(year),
        int(month or 1),
        int(day or 1),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
        tzinfo=tz,
    )
    try:
        return local.astimezone(dt.UTC)
    except OverflowError as error:  # year 1 or 9999 pushed past the calendar by the offset
        raise ValueError(f"HL7 timestamp out of range: {value!r}") from error


def parse_date(value: str) -> dt.date:
    """Read an HL7 DT (or the date part of a TS) as a date; raise ValueError otherwise.

    A birth date is a calendar date, not an instant: no timezone conversion applies.
    """
    return _parse_date_cached(value.strip())


@lru_cache(maxsize=4096)
def _parse_date_cached(text: str) -> dt.date:
    match = _DATE.match(text)
    if match is None or (len(text) > 8 and _TS.fullmatch(text) is None):
        raise ValueError(f"not an HL7 date: {text!r}")
    if match.end() != len(text) and len(text) <= 8:
        raise ValueError(f"not an HL7 date: {text!r}")
    year, month, day = match.groups()
    return dt.date(int(year), int(month or 1), int(day or 1))


def format_ts(moment: dt.datetime) -> str:
    """Write an aware datetime as an HL7 TS in Paris time with its offset."""
    if moment.tzinfo is None:
        raise ValueError("an HL7 timestamp needs an aware datetime")
    return _format_ts_cached(moment)


@lru_cache(maxsize=64)
def _format_ts_cached(moment: dt.datetime) -> str:
    # Every ACK of a listener batch carries the batch's instant: format it once.
    local = moment.astimezone(PARIS)
    offset = local.strftime("%z")
    return local.strftime("%Y%m%d%H%M%S") + offset
