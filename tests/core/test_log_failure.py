"""Failures are logged by type and place, never with their text (it may quote stored data)."""

from __future__ import annotations

import logging

import pytest

from autarcie.core.errors import log_failure

STORED = "DUPONT Jeanne"  # a stored value the database error would quote


def _refuse_a_key(stored: str) -> None:
    raise ValueError(f"duplicate key: Key (name)=({stored})")


def test_a_logged_failure_says_its_type_and_frames_not_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("autarcie.test")
    try:
        _refuse_a_key(STORED)
    except ValueError:
        log_failure(log, "applying inbound %s failed", 42)
    assert "applying inbound 42 failed: ValueError" in caplog.text
    assert "_refuse_a_key" in caplog.text  # where to look
    assert "DUPONT" not in caplog.text  # the frames show the code's lines, not the values
    assert caplog.records[0].exc_info is None
