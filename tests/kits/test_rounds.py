"""A prescription's rounds, the one computation behind the printed grid and the screen's."""

from __future__ import annotations

import datetime as dt

from autarcie.chart import schedule


def test_rounds_come_from_the_code_the_french_wording_or_explicit_times() -> None:
    assert schedule.rounds("BID") == ("08:00", "20:00")
    assert schedule.rounds("2 fois par jour") == ("08:00", "20:00")  # a downtime prescription
    assert schedule.rounds("TID", "07:30 13:00 19:30") == ("07:30", "13:00", "19:30")
    assert schedule.rounds("si besoin") == ()


def test_due_instants_fall_in_the_window_in_paris_time() -> None:
    start = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # 07:00 in Paris
    due = schedule.due_instants(("08:00", "20:00"), start, 24)
    assert [d.strftime("%d %H:%M") for d in due] == ["23 08:00", "23 20:00"]
