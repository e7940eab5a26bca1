"""Logging in: journaled attempts, progressive throttling, second factor, idle timeout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from autarcie.core import clock, totp
from autarcie.core.clock import FrozenClock
from autarcie.core.journal import Action
from autarcie.core.models import JournalEntry, LoginThrottle
from autarcie.core.roles import Role
from tests.factories import PASSWORD, make_unit, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/connexion/"


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC))
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


def _login(client: Client, username: str, password: str = PASSWORD) -> str:
    response = client.post(LOGIN, {"username": username, "password": password})
    return str(response.headers.get("Location", response.status_code))


def _actions() -> list[str]:
    return list(JournalEntry.objects.values_list("action", flat=True))


def test_nurse_logs_in_and_the_login_is_journaled(client: Client) -> None:
    unit = make_unit("CARDIO")
    make_user("ide", Role.NURSE, units=[unit])
    assert _login(client, "ide") == "/"
    page = client.get("/")
    assert "CARDIO" in page.content.decode()
    assert Action.LOGIN_SUCCEEDED.value in _actions()


def test_wrong_password_is_refused_and_journaled(client: Client) -> None:
    make_user("ide")
    response = client.post(LOGIN, {"username": "ide", "password": "wrong-password-123"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert Action.LOGIN_FAILED.value in _actions()


def test_repeated_failures_slow_down_then_expire(client: Client, frozen: FrozenClock) -> None:
    make_user("ide")
    for _ in range(6):
        client.post(LOGIN, {"username": "ide", "password": "wrong-password-123"})
    # Even the right password waits while the throttle holds.
    assert _login(client, "ide") == "200"
    assert Action.LOGIN_THROTTLED.value in _actions()
    frozen.advance(dt.timedelta(minutes=2))
    assert _login(client, "ide") == "/"


def test_throttle_never_exceeds_its_cap(client: Client, frozen: FrozenClock) -> None:
    make_user("ide")
    for _ in range(40):
        client.post(LOGIN, {"username": "ide", "password": "wrong-password-123"})
        frozen.advance(dt.timedelta(minutes=16))
    row = LoginThrottle.objects.get(key__startswith="pair:ide")
    assert row.blocked_until is not None
    assert row.blocked_until - frozen.now() <= dt.timedelta(minutes=15)


def test_failures_from_elsewhere_do_not_lock_out_the_workstation(frozen: FrozenClock) -> None:
    make_user("medecin", Role.PHYSICIAN)
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for _ in range(12):
        attacker.post(LOGIN, {"username": "medecin", "password": "wrong-password-123"})
    ward_pc = Client(REMOTE_ADDR="10.0.0.12")
    assert _login(ward_pc, "medecin") == "/"


def test_admin_lifts_a_throttle_and_it_is_journaled(frozen: FrozenClock) -> None:
    admin = make_user("chef", Role.ADMIN, all_units=True)
    totp.enrol_with_secret(actor="system:test", user=admin, secret=pyotp.random_base32())
    make_user("ide")
    bad = Client(REMOTE_ADDR="10.0.0.12")
    for _ in range(7):
        bad.post(LOGIN, {"username": "ide", "password": "wrong-password-123"})
    key = LoginThrottle.objects.get(key__startswith="pair:ide").key
    admin_client = _logged_in_with_totp(admin.username, admin.totp.secret, frozen)
    response = admin_client.post(reverse("core:admin_throttle_lift"), {"key": key})
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(key=key).exists()
    assert Action.THROTTLE_LIFTED.value in _actions()


def _logged_in_with_totp(username: str, secret: str, frozen: FrozenClock) -> Client:
    client = Client()
    assert _login(client, username) == reverse("core:second_factor")
    code = pyotp.TOTP(secret).at(frozen.now())
    response = client.post(reverse("core:second_factor"), {"code": code})
    assert response.headers["Location"] == "/"
    return client


def test_privileged_role_without_second_factor_must_enrol(
    client: Client, frozen: FrozenClock
) -> None:
    make_user("rssi", Role.IT_SECURITY, all_units=True)
    assert _login(client, "rssi") == "/"
    assert client.get("/").headers["Location"] == reverse("core:totp_enrol")
    assert client.get(reverse("core:admin_users")).status_code == 302
    page = client.get(reverse("core:totp_enrol"))
    assert "<svg" in page.content.decode()
    secret = page.context["secret"]
    done = client.post(reverse("core:totp_enrol"), {"code": pyotp.TOTP(secret).at(frozen.now())})
    assert len(done.context["codes"]) == totp.RECOVERY_CODE_COUNT
    assert client.get("/").status_code == 200
    assert Action.TOTP_ENROLLED.value in _actions()


def test_replayed_code_and_used_recovery_code_are_refused(frozen: FrozenClock) -> None:
    user = make_user("directeur", Role.CRISIS_DIRECTOR, all_units=True)
    secret = pyotp.random_base32()
    totp.enrol_with_secret(actor="system:test", user=user, secret=secret)
    codes = totp.issue_recovery_codes(actor="system:test", user=user)
    _logged_in_with_totp("directeur", secret, frozen)
    replay = Client()
    _login(replay, "directeur")
    again = replay.post(
        reverse("core:second_factor"), {"code": pyotp.TOTP(secret).at(frozen.now())}
    )
    assert again.status_code == 200
    assert "Code incorrect" in again.content.decode()
    assert replay.post(reverse("core:second_factor"), {"code": codes[0]}).status_code == 302
    reuse = Client()
    _login(reuse, "directeur")
    assert reuse.post(reverse("core:second_factor"), {"code": codes[0]}).status_code == 200


def test_idle_session_is_closed_after_the_timeout(client: Client, frozen: FrozenClock) -> None:
    make_user("ide")
    _login(client, "ide")
    assert client.get("/").status_code == 200
    frozen.advance(dt.timedelta(minutes=14))
    assert client.get("/").status_code == 200
    frozen.advance(dt.timedelta(minutes=16))
    response = client.get("/")
    assert response.headers["Location"] == reverse("core:login")
    assert Action.SESSION_IDLE_EXPIRED.value in _actions()


def test_page_views_save_the_last_activity_at_most_every_half_minute(
    client: Client, frozen: FrozenClock
) -> None:
    """A page read must not write the session each time (a synced commit per page)."""
    from django.contrib.sessions.models import Session

    make_user("ide")
    _login(client, "ide")
    client.get("/")
    key = client.session.session_key

    def stored() -> str:
        return Session.objects.get(session_key=key).session_data

    before = stored()
    frozen.advance(dt.timedelta(seconds=10))
    assert client.get("/").status_code == 200
    assert stored() == before
    frozen.advance(dt.timedelta(seconds=25))
    assert client.get("/").status_code == 200
    assert stored() != before
    # Active every 20 s for 20 minutes: never logged out, whatever was skipped.
    for _ in range(60):
        frozen.advance(dt.timedelta(seconds=20))
        assert client.get("/").status_code == 200


def test_lock_button_ends_the_session(client: Client) -> None:
    make_user("ide")
    _login(client, "ide")
    assert client.post(reverse("core:lock")).status_code == 302
    assert client.get("/").status_code == 302
    assert Action.SESSION_LOCKED.value in _actions()


def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get(LOGIN)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp
    assert response.headers["Cache-Control"] == "no-store"


def test_login_without_csrf_token_is_refused() -> None:
    make_user("ide")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "ide", "password": PASSWORD})
    assert response.status_code == 403
