"""Suite-wide hooks: mark database tests so the PostgreSQL leg can select them."""

from __future__ import annotations

import pytest

_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup", "client"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if (
            names & _DB_FIXTURES
            or item.get_closest_marker("django_db")
            or item.get_closest_marker("postgres_only")
        ):
            item.add_marker(pytest.mark.database)
