"""Viewer tests run on the small ward."""

from __future__ import annotations

import pytest

from tests.wards import Ward, build_ward


@pytest.fixture
def ward(db: None) -> Ward:
    return build_ward()
