"""Least privilege: roles and unit scopes decide what each person reaches."""

from __future__ import annotations

import pyotp
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from autarcie.core import clock, totp
from autarcie.core.access import get_unit_for_user, require_role, units_for
from autarcie.core.journal import Action
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role, UnitKind
from tests.factories import PASSWORD, make_unit, make_user

pytestmark = pytest.mark.django_db


def test_nurse_reaches_her_unit_and_not_another() -> None:
    cardio, pneumo = make_unit("CARDIO"), make_unit("PNEUMO")
    nurse = make_user("ide", Role.NURSE, units=[cardio])
    assert get_unit_for_user(nurse, "CARDIO") == cardio
    with pytest.raises(PermissionDenied):
        get_unit_for_user(nurse, "PNEUMO")
    with pytest.raises(Http404):
        get_unit_for_user(nurse, "NOPE")
    assert list(units_for(nurse)) == [cardio]
    assert pneumo not in units_for(nurse)


def test_all_units_scope_sees_every_unit() -> None:
    make_unit("CARDIO")
    make_unit("URG", UnitKind.EMERGENCY)
    pharmacist = make_user("pharma", Role.PHARMACIST, all_units=True)
    assert units_for(pharmacist).count() == 2
    assert get_unit_for_user(pharmacist, "URG").code == "URG"


def test_require_role_refuses_other_roles() -> None:
    nurse = make_user("ide", Role.NURSE)
    require_role(nurse, Role.NURSE, Role.PHYSICIAN)
    with pytest.raises(PermissionDenied):
        require_role(nurse, Role.ADMIN)


def _admin_client() -> tuple[Client, User]:
    admin = make_user("chef", Role.ADMIN, all_units=True)
    secret = pyotp.random_base32()
    totp.enrol_with_secret(actor="system:test", user=admin, secret=secret)
    client = Client()
    client.post("/connexion/", {"username": "chef", "password": PASSWORD})
    client.post(reverse("core:second_factor"), {"code": pyotp.TOTP(secret).at(clock.now())})
    return client, admin


@pytest.mark.parametrize("role", [Role.NURSE, Role.AUDITOR, Role.CRISIS_MEMBER])
def test_only_admins_reach_user_administration(client: Client, role: Role) -> None:
    make_user("someone", role)
    client.post("/connexion/", {"username": "someone", "password": PASSWORD})
    assert client.get(reverse("core:admin_users")).status_code == 403
    assert client.get(reverse("core:admin_user_new")).status_code == 403


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("core:admin_users"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion/")


def test_admin_creates_and_scopes_a_user_through_journaled_actions() -> None:
    client, _ = _admin_client()
    cardio = make_unit("CARDIO")
    response = client.post(
        reverse("core:admin_user_new"),
        {
            "username": "ide2",
            "password": "un-mot-de-passe-long",
            "roles": ["nurse"],
            "units": [cardio.pk],
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="ide2")
    assert created.role_set == {Role.NURSE}
    edit = client.post(
        reverse("core:admin_user_edit", args=[created.pk]),
        {"roles": ["nurse", "physician"], "units": [cardio.pk], "is_active": "on"},
    )
    assert edit.status_code == 302
    created.forget_cached_roles()
    assert created.role_set == {Role.NURSE, Role.PHYSICIAN}
    actions = set(JournalEntry.objects.values_list("action", flat=True))
    assert {Action.USER_CREATED.value, Action.USER_ROLES_CHANGED.value} <= actions


def test_weak_password_is_refused_with_a_reason() -> None:
    client, _ = _admin_client()
    response = client.post(
        reverse("core:admin_user_new"),
        {"username": "ide3", "password": "court", "roles": ["nurse"]},
    )
    assert response.status_code == 200
    assert "trop court" in response.content.decode()
    assert not User.objects.filter(username="ide3").exists()
