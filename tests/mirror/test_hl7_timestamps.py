"""HL7 timestamps: offsets, partial precision, Paris time for naive values."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.mirror.hl7.timestamps import format_ts, parse_date, parse_ts

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20250110080000", dt.datetime(2025, 1, 10, 7, 0, tzinfo=UTC)),  # winter: UTC+1
        ("20250710080000", dt.datetime(2025, 7, 10, 6, 0, tzinfo=UTC)),  # summer: UTC+2
        ("20250110080000+0000", dt.datetime(2025, 1, 10, 8, 0, tzinfo=UTC)),
        ("20250110080000-0500", dt.datetime(2025, 1, 10, 13, 0, tzinfo=UTC)),
        ("202501100800+0100", dt.datetime(2025, 1, 10, 7, 0, tzinfo=UTC)),
        ("20250110", dt.datetime(2025, 1, 9, 23, 0, tzinfo=UTC)),
        ("202501", dt.datetime(2024, 12, 31, 23, 0, tzinfo=UTC)),
        ("2025011008", dt.datetime(2025, 1, 10, 7, 0, tzinfo=UTC)),
        ("20250110080000.25", dt.datetime(2025, 1, 10, 7, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(text: str, expected: dt.datetime) -> None:
    parsed = parse_ts(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-01-10",
        "20251310",
        "20250132",
        "2025011025",
        "20250110+2500",
        "abc",
        "00010101",
        "99991231235959-1400",
    ],
)
def test_invalid_timestamps_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ts(text)


def test_dates_are_calendar_dates_without_timezone() -> None:
    assert parse_date("19800101") == dt.date(1980, 1, 1)
    assert parse_date("198003") == dt.date(1980, 3, 1)
    assert parse_date("19800101120000") == dt.date(1980, 1, 1)
    with pytest.raises(ValueError):
        parse_date("1980x")


def test_format_writes_paris_time_with_its_offset() -> None:
    assert format_ts(dt.datetime(2025, 7, 10, 6, 0, tzinfo=UTC)) == "20250710080000+0200"
    with pytest.raises(ValueError, match="aware"):
        format_ts(dt.datetime(2025, 7, 10, 6, 0))  # noqa: DTZ001 - the naive value is the point
