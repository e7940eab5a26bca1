"""FHIR search parameters: dates with prefixes, tokens, references, paging; pure functions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from autarcie.viewer.fhir.outcome import FhirError

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = ("_count", "_offset", "_format")
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_SUPPORTED_PREFIXES = ("eq", "gt", "lt", "ge", "le")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def invalid(message: str) -> FhirError:
    return FhirError(400, "invalid", message)


@dataclass(frozen=True)
class DateRange:
    """A FHIR date search value: ``prefix`` applied to the half-open range [start, end)."""

    prefix: str
    start: dt.datetime
    end: dt.datetime

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(inclusive lower, exclusive upper) of the instants that match."""
        return {
            "eq": (self.start, self.end),
            "ge": (self.start, None),
            "gt": (self.end, None),
            "le": (None, self.end),
            "lt": (None, self.start),
        }[self.prefix]


def _partial_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    match = _PARTIAL.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day = match.group(1), match.group(2), match.group(3)
    start = dt.datetime(int(year), int(month or 1), int(day or 1), tzinfo=PARIS)
    if day:
        end = start + dt.timedelta(days=1)
    elif month:
        end = (start + dt.timedelta(days=32)).replace(day=1)
    else:
        end = start.replace(year=start.year + 1)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def parse_date(value: str) -> DateRange:
    """``ge2024-05``, ``2024-05-02``, ``lt2024-05-02T10:00:00+02:00`` (local time: Paris)."""
    text = value.strip()
    prefix = "eq"
    if text[:2] in _PREFIXES:
        prefix, text = text[:2], text[2:]
    if prefix not in _SUPPORTED_PREFIXES:
        raise FhirError(400, "not-supported", f"date prefix {prefix!r} is not supported")
    try:
        if "T" in text:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=PARIS)
            start = moment.astimezone(dt.UTC)
            end = start + dt.timedelta(seconds=1)
        else:
            start, end = _partial_range(text)
    except ValueError:
        raise invalid(
            f"{value!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or dateTime)"
        ) from None
    return DateRange(prefix, start, end)


def parse_birthdate(value: str) -> tuple[dt.date | None, dt.date | None]:
    """A birthdate search value as (inclusive lower, exclusive upper) calendar dates."""
    found = parse_date(value)
    lower, upper = found.bounds()
    return (
        lower.astimezone(PARIS).date() if lower else None,
        upper.astimezone(PARIS).date() if upper else None,
    )


def parse_token(value: str) -> tuple[str | None, str]:
    """``system|code`` -> (system, code); ``|code`` -> ("", code); ``code`` -> (None, code)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def parse_reference(value: str, rtype: str) -> int:
    """``123`` or ``Patient/123`` (or a full URL ending so) -> 123."""
    tail = value.strip().rstrip("/")
    parts = tail.split("/")
    if len(parts) >= 2 and parts[-2] != rtype:
        raise invalid(f"{value!r} is not a reference to a {rtype}")
    try:
        return int(parts[-1])
    except ValueError:
        raise FhirError(404, "not-found", f"no {rtype} {parts[-1]!r}") from None


def values(text: str) -> list[str]:
    """A parameter's comma-separated alternatives (OR), without empty ones."""
    return [v.strip() for v in text.split(",") if v.strip()]


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


def parse_page(count: str | None, offset: str | None) -> Page:
    try:
        wanted = DEFAULT_COUNT if count in (None, "") else int(count)
        start = 0 if offset in (None, "") else int(offset)
    except ValueError:
        raise invalid("_count and _offset are whole numbers") from None
    if wanted < 0 or start < 0:
        raise invalid("_count and _offset cannot be negative")
    return Page(min(wanted, MAX_COUNT), start)
