"""Declaring a crisis, the main courante, tasks, SitReps, legal clocks, and who may see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autarcie.core.clock import FrozenClock
from autarcie.core.errors import AccessDenied
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from autarcie.crisis import actions
from autarcie.crisis.models import (
    Category,
    ClockStatus,
    Crisis,
    ImmutableRecordError,
    Phase,
    TaskStatus,
)
from autarcie.mirror.models import MirrorState
from tests.crisis.conftest import START, declaration, logged_in
from tests.factories import make_user


def _actions() -> list[str]:
    return list(JournalEntry.objects.values_list("action", flat=True))


def test_declaration_starts_the_clocks_from_awareness_and_is_journaled(crisis: Crisis) -> None:
    codes = {c.code: c.due_at for c in crisis.clocks.all()}
    aware = START - dt.timedelta(hours=1)
    assert codes["cnil"] == aware + dt.timedelta(hours=72)
    assert codes["cert_sante"] == aware + dt.timedelta(hours=24)
    assert len(codes) == 8
    assert "crisis.declared" in _actions()
    assert crisis.entries.get().category == Category.DECISION


def test_real_declaration_can_freeze_the_mirror(director: User, frozen: FrozenClock) -> None:
    actions.declare(actor=director, declaration=declaration(freeze_mirror=True))
    state = MirrorState.objects.get(pk=1)
    assert state.frozen and "Rançongiciel" in state.reason
    assert "mirror.frozen" in _actions()


def test_an_exercise_never_freezes_the_mirror(director: User, frozen: FrozenClock) -> None:
    with pytest.raises(actions.CrisisError, match="exercice"):
        actions.declare(
            actor=director, declaration=declaration(is_exercise=True, freeze_mirror=True)
        )
    assert not MirrorState.objects.filter(frozen=True).exists()
    assert Crisis.objects.count() == 0


def test_member_and_nurse_cannot_declare(member: User, frozen: FrozenClock) -> None:
    nurse = make_user("ide", Role.NURSE)
    for user in (member, nurse):
        with pytest.raises(AccessDenied):
            actions.declare(actor=user, declaration=declaration())


def test_entries_are_immutable_and_corrections_point_back(crisis: Crisis, member: User) -> None:
    first = actions.log(actor=member, crisis=crisis, category=Category.FACT, text="VPN coupé à 17h")
    first.text = "changed"
    with pytest.raises(ImmutableRecordError):
        first.save()
    fix = actions.log(
        actor=member,
        crisis=crisis,
        category=Category.FACT,
        text="VPN coupé à 17h30",
        corrects=first,
    )
    assert fix.corrects_id == first.pk and fix.number == first.number + 1
    response = logged_in(member).get(reverse("crisis:log", args=[crisis.pk]), {"q": "17h30"})
    assert list(response.context["entries"]) == [fix]


def test_sitrep_versions_are_kept_and_never_change(crisis: Crisis, director: User) -> None:
    one = actions.publish_sitrep(actor=director, crisis=crisis, body="Point 1")
    two = actions.publish_sitrep(actor=director, crisis=crisis, body="Point 2")
    assert (one.version, two.version) == (1, 2)
    one.body = "réécrit"
    with pytest.raises(ImmutableRecordError):
        one.save()


def test_sitrep_draft_is_built_from_the_log(crisis: Crisis, director: User) -> None:
    actions.log(actor=director, crisis=crisis, category=Category.FACT, text="Serveurs chiffrés")
    page = logged_in(director).get(reverse("crisis:sitreps", args=[crisis.pk]))
    draft = page.context["form"].initial["body"]
    assert "Serveurs chiffrés" in draft and "Notification de la violation" in draft


def test_overdue_task_shows_on_the_dashboard(
    crisis: Crisis, member: User, frozen: FrozenClock
) -> None:
    decision = actions.log(
        actor=member, crisis=crisis, category=Category.DECISION, text="Porter plainte"
    )
    task = actions.create_task(
        actor=member,
        crisis=crisis,
        title="Déposer plainte",
        decision=decision,
        due_at=START + dt.timedelta(hours=2),
    )
    client = logged_in(member)
    url = reverse("crisis:dashboard", args=[crisis.pk])
    assert client.get(url).context["board"].overdue == []
    frozen.advance(dt.timedelta(hours=3))
    client = logged_in(member)  # the idle timeout closed the first session
    board = client.get(url).context["board"]
    assert [t["title"] for t in board.overdue] == [task.title]
    assert (board.overdue_count, board.open_tasks) == (1, 1)
    actions.set_task_status(actor=member, task=task, status=TaskStatus.DONE)
    board = client.get(url).context["board"]
    assert (board.overdue, board.overdue_count, board.open_tasks) == ([], 0, 0)


def test_cnil_clock_counts_down_and_turns_late(
    crisis: Crisis, member: User, frozen: FrozenClock
) -> None:
    client = logged_in(member)
    view = next(
        v
        for v in client.get(reverse("crisis:dashboard", args=[crisis.pk])).context["board"].clocks
        if v.clock.code == "cnil"
    )
    assert view.countdown == "dans 2 j 23 h 00" and not view.late
    frozen.advance(dt.timedelta(hours=72))
    client = logged_in(member)
    view = next(
        v
        for v in client.get(reverse("crisis:dashboard", args=[crisis.pk])).context["board"].clocks
        if v.clock.code == "cnil"
    )
    assert view.late and view.countdown == "dépassé de 1 h 00"


def test_submitting_the_notification_moves_the_final_report(
    crisis: Crisis, member: User, frozen: FrozenClock
) -> None:
    notification = crisis.clocks.get(code="nis2_notification")
    frozen.advance(dt.timedelta(hours=10))
    actions.submit_clock(
        actor=member, legal_clock=notification, reference="ANSSI-42", evidence="accusé"
    )
    final = crisis.clocks.get(code="nis2_final_report")
    assert final.due_at == dt.datetime(
        2026, 12, 21, 1, 0, tzinfo=dt.UTC
    )  # 20 Nov 15:00 + 10 h + 1 month
    assert crisis.clocks.get(code="nis2_notification").status == ClockStatus.SUBMITTED
    with pytest.raises(actions.CrisisError):
        actions.submit_clock(
            actor=member, legal_clock=crisis.clocks.get(code="cnil"), reference=" ", evidence=""
        )


def test_declaration_draft_carries_the_facts(crisis: Crisis, member: User) -> None:
    actions.log(
        actor=member, crisis=crisis, category=Category.TECHNICAL, text="Compte adm-07 désactivé"
    )
    cnil = crisis.clocks.get(code="cnil")
    page = logged_in(member).get(reverse("crisis:clock", args=[crisis.pk, cnil.pk]))
    assert "Compte adm-07 désactivé" in page.context["draft"] and "art. 33" in page.context["draft"]


def test_phases_only_move_forward_and_closing_stops_changes(crisis: Crisis, director: User) -> None:
    actions.change_phase(actor=director, crisis=crisis, phase=Phase.CONTAINMENT)
    with pytest.raises(actions.CrisisError):
        actions.change_phase(actor=director, crisis=crisis, phase=Phase.ALERT)
    actions.change_phase(actor=director, crisis=crisis, phase=Phase.CLOSED)
    with pytest.raises(actions.CrisisError, match="clôturée"):
        actions.log(actor=director, crisis=crisis, category=Category.FACT, text="après")


@pytest.mark.parametrize("role", [Role.NURSE, Role.PHYSICIAN, Role.AUDITOR, Role.PHARMACIST])
def test_care_roles_see_nothing_of_the_cell(crisis: Crisis, role: Role) -> None:
    client = logged_in(make_user("autre", role))
    for url in (
        reverse("crisis:index"),
        reverse("crisis:dashboard", args=[crisis.pk]),
        reverse("crisis:log", args=[crisis.pk]),
        reverse("crisis:directory"),
        reverse("crisis:plan", args=[crisis.pk]),
        reverse("drills:run", args=[crisis.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_it_security_declares_through_the_page(db: None, frozen: FrozenClock) -> None:
    rssi = make_user("rssi", Role.IT_SECURITY)
    client = logged_in(rssi)
    response = client.post(
        reverse("crisis:declare"),
        {
            "title": "Exercice annuel",
            "kind": "cyber",
            "detected": "Inject 1",
            "aware_at": "2026-11-20T15:30",
            "detected_by": "animateur",
            "is_exercise": "on",
            "nis2": "essential",
            "personal_data": "on",
        },
    )
    crisis = Crisis.objects.get()
    assert response.headers["Location"] == reverse("crisis:dashboard", args=[crisis.pk])
    assert crisis.is_exercise and crisis.clocks.filter(code="cnil").exists()


def test_log_exports_are_marked_exercise_and_journaled(exercise: Crisis, member: User) -> None:
    actions.log(actor=member, crisis=exercise, category=Category.FACT, text="Écran de rançon")
    client = logged_in(member)
    csv_text = client.get(reverse("crisis:log_csv", args=[exercise.pk])).content.decode()
    assert csv_text.startswith("\ufeffEXERCICE") and "Écran de rançon" in csv_text
    pdf = client.get(reverse("crisis:log_pdf", args=[exercise.pk])).content
    assert pdf.startswith(b"%PDF")
    assert _actions().count("crisis.exported") == 2


def _dashboard_queries(client: Client, crisis: Crisis) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("crisis:dashboard", args=[crisis.pk]))
    assert page.status_code == 200
    return len(captured.captured_queries), page.content.decode()


def test_dashboard_query_count_does_not_grow_with_the_crisis(
    crisis: Crisis, member: User, frozen: FrozenClock
) -> None:
    client = logged_in(member)
    _dashboard_queries(client, crisis)  # the session's first save, out of the count
    actions.log(actor=member, crisis=crisis, category=Category.FACT, text="début")
    before, _ = _dashboard_queries(client, crisis)  # computed afresh: the journal moved
    for n in range(30):
        entry = actions.log(actor=member, crisis=crisis, category=Category.DECISION, text=f"d{n}")
        actions.create_task(
            actor=member,
            crisis=crisis,
            title=f"tâche {n}",
            owner=member,
            decision=entry,
            due_at=START - dt.timedelta(minutes=n + 1),
        )
    after, html = _dashboard_queries(client, crisis)
    assert after == before
    assert "30 tâche(s) ouverte(s), 30 en retard." in html
    assert html.count('class="overdue"') == 15  # the first 15, counted in full above
    assert "[Décision] d29 — membre" in html


def test_dashboard_follows_each_change_at_once_and_the_time_by_the_minute(
    crisis: Crisis, member: User, frozen: FrozenClock
) -> None:
    client = logged_in(member)
    url = reverse("crisis:dashboard", args=[crisis.pk])
    actions.create_task(
        actor=member, crisis=crisis, title="Appeler l'ARS", due_at=START + dt.timedelta(seconds=90)
    )
    assert client.get(url).context["board"].overdue_count == 0
    actions.log(actor=member, crisis=crisis, category=Category.FACT, text="Serveur isolé")
    assert "Serveur isolé" in client.get(url).content.decode()  # same minute, new journal head
    frozen.advance(dt.timedelta(minutes=2))  # nothing written: only the time moved
    page = client.get(url)
    assert page.context["board"].overdue_count == 1
    assert "Tableau arrêté à 16:02" in page.content.decode()  # 15:02 UTC in Paris
