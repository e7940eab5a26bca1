"""Exercises: the shipped scenario, pace, observations, and the RETEX PDF."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest
from django.urls import reverse

from autarcie.core.clock import FrozenClock
from autarcie.core.errors import AccessDenied
from autarcie.core.models import User
from autarcie.crisis import actions as crisis_actions
from autarcie.crisis.models import Category, Crisis
from autarcie.drills import actions
from autarcie.drills.models import Scenario
from autarcie.drills.report import gather
from tests.crisis.conftest import logged_in


def test_shipped_scenario_is_well_formed() -> None:
    text = (
        resources.files("autarcie.drills")
        .joinpath("data/ransomware_exfiltration.json")
        .read_text("utf-8")
    )
    document = json.loads(text)
    offsets = [i["offset"] for i in document["injects"]]
    assert offsets == sorted(offsets) and len(offsets) >= 8
    assert all(i["expected"] and i["content"] for i in document["injects"])


def test_scenario_runs_only_on_an_exercise(
    crisis: Crisis, exercise: Crisis, director: User
) -> None:
    scenario = actions.install_shipped(actor=director)[0]
    with pytest.raises(actions.DrillError):
        actions.start(actor=director, crisis=crisis, scenario=scenario)
    run = actions.start(actor=director, crisis=exercise, scenario=scenario)
    assert run.scenario.injects.count() == 9


def test_facilitator_shifts_pace_and_members_record_observations(
    exercise: Crisis, director: User, member: User, frozen: FrozenClock
) -> None:
    scenario = actions.install_shipped(actor=director)[0]
    run = actions.start(actor=director, crisis=exercise, scenario=scenario)
    third = scenario.injects.get(number=3)
    assert actions.inject_due_at(run, third) == run.started_at + dt.timedelta(minutes=45)
    with pytest.raises(AccessDenied):
        actions.shift(actor=member, run=run, minutes=-15)
    actions.shift(actor=director, run=run, minutes=-15)
    assert actions.inject_due_at(run, third) == run.started_at + dt.timedelta(minutes=30)
    actions.observe(
        actor=member, run=run, inject=third, observed="Crise déclarée à 30 min", met=False
    )
    data = gather(exercise, frozen.now())
    assert data.observations == [["3", third.expected, "Crise déclarée à 30 min", "non"]]


def test_retex_pdf_covers_clocks_and_is_marked_exercise(
    exercise: Crisis, director: User, frozen: FrozenClock
) -> None:
    crisis_actions.log(
        actor=director, crisis=exercise, category=Category.DECISION, text="Couper internet"
    )
    cnil = exercise.clocks.get(code="cnil")
    crisis_actions.submit_clock(actor=director, legal_clock=cnil, reference="CNIL-1", evidence="ok")
    frozen.advance(dt.timedelta(hours=30))
    data = gather(exercise, frozen.now())
    outcomes = {row[0]: row[3] for row in data.clocks}
    assert outcomes[cnil.label] == "tenu"
    assert outcomes["Signalement de l'incident grave de sécurité (CERT Santé / ARS)"] == "manqué"
    client = logged_in(director)
    response = client.post(
        reverse("drills:retex", args=[exercise.pk]), {"lessons": "Annuaire à jour"}
    )
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000


def test_run_page_installs_and_starts_the_shipped_scenario(
    exercise: Crisis, director: User
) -> None:
    client = logged_in(director)
    client.post(reverse("drills:run", args=[exercise.pk]), {"scenario": "ransomware-exfiltration"})
    assert Scenario.objects.count() == 1
    page = client.get(reverse("drills:run", args=[exercise.pk]))
    assert len(page.context["rows"]) == 9 and page.context["rows"][0]["played"]
