"""Legal clocks at declaration: from the facts' time, overdue only when really overdue."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from autarcie.core.clock import FrozenClock
from autarcie.core.models import User
from autarcie.crisis import actions, queries
from autarcie.crisis.models import Crisis
from tests.crisis.conftest import START, declaration, logged_in


def _late(crisis: Crisis, now: dt.datetime) -> set[str]:
    return {v.clock.code for v in queries.clock_views(crisis, now) if v.late}


def test_no_clock_is_overdue_at_declaration_when_the_facts_are_recent(
    crisis: Crisis, director: User
) -> None:
    # Facts an hour old, every clock applies, among them the prefect's "sans délai".
    assert crisis.aware_at == START - dt.timedelta(hours=1)
    assert _late(crisis, START) == set()
    assert crisis.clocks.get(code="prefect").due_at == START
    assert crisis.clocks.get(code="cnil").due_at == crisis.aware_at + dt.timedelta(hours=72)
    page = logged_in(director).get(reverse("crisis:dashboard", args=[crisis.pk]))
    assert "dépassé" not in page.content.decode()


def test_clocks_older_than_their_deadline_are_overdue_from_the_declaration(
    director: User, frozen: FrozenClock
) -> None:
    old = actions.declare(
        actor=director, declaration=declaration(aware_at=START - dt.timedelta(days=4))
    )
    assert _late(old, START) == {
        "cert_sante",
        "cnil",
        "patients",
        "nis2_early_warning",
        "nis2_notification",
        "complaint",
    }
    board = logged_in(director).get(reverse("crisis:dashboard", args=[old.pk])).content.decode()
    assert "dépassé de 1 j 0 h 00" in board  # CNIL: 72 h after facts four days old


def test_a_submission_keeps_the_no_delay_clock_due_at_the_declaration(
    crisis: Crisis, director: User, frozen: FrozenClock
) -> None:
    frozen.advance(dt.timedelta(hours=2))
    notification = crisis.clocks.get(code="nis2_notification")
    actions.submit_clock(
        actor=director, legal_clock=notification, reference="ANSSI-1", evidence="accusé"
    )
    assert crisis.clocks.get(code="prefect").due_at == START
