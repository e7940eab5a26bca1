"""Fixtures of the crisis tests: a frozen clock, the cell's people, logged-in clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client

from autarcie.core import clock
from autarcie.core.clock import FrozenClock
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.crisis import actions, queries
from autarcie.crisis.models import Crisis, CrisisKind, Nis2Status
from tests.factories import make_user

START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_dashboards() -> Iterator[None]:
    # Each test rolls its database back: a dashboard kept by the previous one must not match.
    queries.forget_dashboards()
    yield
    queries.forget_dashboards()


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(START)
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


@pytest.fixture
def director(db: None) -> User:
    return make_user("directeur", Role.CRISIS_DIRECTOR, all_units=True)


@pytest.fixture
def member(db: None) -> User:
    return make_user("membre", Role.CRISIS_MEMBER, all_units=True)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    return client


def declaration(**overrides: object) -> actions.Declaration:
    values: dict[str, object] = {
        "kind": CrisisKind.CYBER,
        "title": "Rançongiciel",
        "detected": "Transfert sortant suspect de 40 Go",
        "aware_at": START - dt.timedelta(hours=1),
        "detected_by": "RSSI",
        "personal_data": True,
        "nis2": Nis2Status.ESSENTIAL,
        "insured": True,
        "plan_blanc": True,
    }
    values.update(overrides)
    return actions.Declaration(**values)  # type: ignore[arg-type]


@pytest.fixture
def crisis(director: User, frozen: FrozenClock) -> Crisis:
    return actions.declare(actor=director, declaration=declaration())


@pytest.fixture
def exercise(director: User, frozen: FrozenClock) -> Crisis:
    return actions.declare(
        actor=director, declaration=declaration(is_exercise=True, title="Exercice")
    )
