"""Exercises: the shipped scenario, pace, observations, and the RETEX PDF."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from django.urls import reverse

from autarcie.core.clock import FrozenClock
from autarcie.core.errors import AccessDenied
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from autarcie.crisis import actions as crisis_actions
from autarcie.crisis.models import Category, Crisis
from autarcie.drills import actions
from autarcie.drills.actions import DrillError, LessonText, save_lesson
from autarcie.drills.models import LessonStatus, Scenario
from autarcie.drills.report import gather
from tests.crisis.conftest import logged_in
from tests.factories import make_user


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


def _lesson(**overrides: object) -> LessonText:
    values: dict[str, object] = {
        "happened": "Annuaire papier daté de 2023",
        "lesson": "L'annuaire imprimé doit suivre les mouvements de personnel",
        "action": "Imprimer l'annuaire chaque mois",
        "owner": "Secrétariat de direction",
        "due_on": dt.date(2026, 12, 31),
    }
    values.update(overrides)
    return LessonText(**values)  # type: ignore[arg-type]


def test_lessons_are_recorded_edited_journaled_and_printed_in_the_retex(
    crisis: Crisis, member: User, tmp_path: Path
) -> None:
    client = logged_in(member)
    url = reverse("drills:lessons", args=[crisis.pk])
    form = {
        "happened": "Courriel coupé : convocations impossibles",
        "lesson": "Les SMS par modem GSM ont fonctionné",
        "action": "Tester le modem chaque trimestre",
        "owner": "DSI",
        "due_on": "2027-03-31",
        "status": "open",
    }
    assert client.post(url, form).status_code == 302
    lesson = crisis.lessons.get()
    edit = reverse("drills:lesson", args=[crisis.pk, lesson.pk])
    assert client.get(edit).context["form"].initial["owner"] == "DSI"
    assert client.post(edit, {**form, "status": "in_progress", "owner": "RSSI"}).status_code == 302
    lesson.refresh_from_db()
    assert (lesson.status, lesson.owner) == (LessonStatus.IN_PROGRESS, "RSSI")
    saved = JournalEntry.objects.filter(action="crisis.lesson_saved").order_by("seq")
    assert [e.details["changed"] for e in saved][1] == ["owner", "status"]
    assert "Tester le modem chaque trimestre" in client.get(url).content.decode()
    response = client.post(reverse("drills:retex", args=[crisis.pk]), {"lessons": ""})
    path = tmp_path / "retex.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Enseignements et plan d" in text
    assert "Tester le modem" in text and "31/03/2027" in text and "En cours" in text
    assert "(à compléter par la cellule)" not in text


def test_a_lesson_needs_what_happened_and_the_lesson(crisis: Crisis, member: User) -> None:
    with pytest.raises(DrillError, match="enseignement"):
        save_lesson(actor=member, crisis=crisis, text=_lesson(lesson="  "))
    page = logged_in(member).post(
        reverse("drills:lessons", args=[crisis.pk]), {"happened": "x", "status": "open"}
    )
    assert page.status_code == 200 and not crisis.lessons.exists()


def test_care_roles_cannot_see_or_write_lessons(crisis: Crisis, member: User) -> None:
    lesson = save_lesson(actor=member, crisis=crisis, text=_lesson())
    nurse = make_user("ide", Role.NURSE, all_units=True)
    with pytest.raises(AccessDenied):
        save_lesson(actor=nurse, crisis=crisis, text=_lesson(), lesson=lesson)
    url = reverse("drills:lesson", args=[crisis.pk, lesson.pk])
    assert logged_in(nurse).get(url).status_code == 403


def test_a_lesson_cannot_be_edited_through_another_crisis(
    crisis: Crisis, exercise: Crisis, member: User
) -> None:
    lesson = save_lesson(actor=member, crisis=crisis, text=_lesson())
    url = reverse("drills:lesson", args=[exercise.pk, lesson.pk])
    assert logged_in(member).get(url).status_code == 404
    with pytest.raises(DrillError):
        save_lesson(actor=member, crisis=exercise, text=_lesson(), lesson=lesson)
