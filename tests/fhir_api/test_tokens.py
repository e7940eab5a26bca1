"""Bearer tokens: hash only, shown once, revocable, expiring, journaled; the page and commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from autarcie.cli import main
from autarcie.core import clock
from autarcie.core.actions import set_active
from autarcie.core.clock import FrozenClock
from autarcie.core.errors import AccessDenied
from autarcie.core.models import ApiToken, JournalEntry
from autarcie.core.roles import Role
from autarcie.core.tokens import create_token, revoke_token
from tests.factories import PASSWORD, make_user
from tests.wards import Ward

pytestmark = pytest.mark.django_db
T = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(T)
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


def _read(secret: str, url: str = "/fhir/Patient") -> tuple[int, dict[str, object], str]:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(url)
    return response.status_code, response.json(), response.headers.get("WWW-Authenticate", "")


def _journal(action: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(action=action).order_by("seq"))


def test_only_the_sha256_of_a_token_is_stored_and_creation_is_journaled(ward: Ward) -> None:
    issued = create_token(actor=ward.nurse, user=ward.nurse, name="tablette")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert len(issued.secret) > 40
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in str(ApiToken.objects.filter(pk=stored.pk).values().get())
    created = _journal("token.created")[-1]
    assert (created.target_id, created.details["user"]) == (str(stored.pk), ward.nurse.pk)
    assert issued.secret not in str(created.details)
    assert _read(issued.secret)[0] == 200


def test_missing_or_unknown_token_gets_401_operation_outcome(ward: Ward) -> None:
    response = Client().get("/fhir/Patient")
    assert response.status_code == 401 and response.json()["resourceType"] == "OperationOutcome"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    status, body, _ = _read("autarcie_not-a-real-token")
    assert status == 401 and body["resourceType"] == "OperationOutcome"
    rejected = _journal("token.rejected")[-1]
    assert rejected.details["reason"] == "unknown" and "not-a-real" not in str(rejected.details)


def test_revoked_token_is_refused_and_both_are_journaled(ward: Ward) -> None:
    issued = create_token(actor=ward.nurse, user=ward.nurse, name="")
    revoke_token(actor=ward.nurse, token=issued.token)
    revoke_token(actor=ward.nurse, token=issued.token)
    assert len(_journal("token.revoked")) == 1
    status, body, _ = _read(issued.secret)
    assert status == 401 and "revoked" in str(body)
    rejected = _journal("token.rejected")[-1]
    assert (rejected.target_id, rejected.details["reason"]) == (str(issued.token.pk), "revoked")


def test_expired_token_is_refused(ward: Ward, frozen: FrozenClock) -> None:
    issued = create_token(actor=ward.nurse, user=ward.nurse, name="court", days=1)
    assert _read(issued.secret)[0] == 200
    frozen.advance(dt.timedelta(days=1, seconds=1))
    status, body, _ = _read(issued.secret)
    assert status == 401 and "expired" in str(body)


def test_token_of_a_deactivated_user_is_refused(ward: Ward) -> None:
    issued = create_token(actor=ward.nurse, user=ward.nurse, name="")
    set_active(actor="system:test", user=ward.nurse, active=False)
    assert _read(issued.secret)[0] == 401
    assert _journal("token.rejected")[-1].details["reason"] == "user_inactive"


def test_a_nurse_cannot_create_or_revoke_someone_elses_token(ward: Ward) -> None:
    with pytest.raises(AccessDenied):
        create_token(actor=ward.nurse, user=ward.other_nurse, name="")
    theirs = create_token(actor=ward.other_nurse, user=ward.other_nurse, name="").token
    with pytest.raises(AccessDenied):
        revoke_token(actor=ward.nurse, token=theirs)


def _logged_in(username: str) -> Client:
    client = Client()
    assert client.post("/connexion/", {"username": username, "password": PASSWORD}).status_code
    return client


def test_the_page_shows_a_new_token_once_and_revokes_own_tokens_only(ward: Ward) -> None:
    doctor = make_user("dr.cardio", Role.PHYSICIAN, units=[ward.cardio])
    client = _logged_in("dr.cardio")
    created = client.post("/jetons-api/", {"action": "create", "name": "tablette"})
    secret = created.context["secret"]
    assert secret and secret in created.content.decode()
    listing = client.get("/jetons-api/").content.decode()
    assert "tablette" in listing and secret not in listing
    assert _read(secret)[0] == 200
    theirs = create_token(actor=ward.other_nurse, user=ward.other_nurse, name="").token
    assert client.post("/jetons-api/", {"action": "revoke", "token": theirs.pk}).status_code == 404
    mine = ApiToken.objects.get(user=doctor)
    assert client.post("/jetons-api/", {"action": "revoke", "token": mine.pk}).status_code == 302
    assert _read(secret)[0] == 401


def test_a_nurse_does_not_get_the_token_page_by_default(ward: Ward) -> None:
    # AUTARCIE_API_TOKEN_ROLES: physicians and pharmacists unless the hospital says otherwise.
    client = _logged_in("ide.cardio")
    assert client.get("/jetons-api/").status_code == 403
    assert client.post("/jetons-api/", {"action": "create"}).status_code == 403
    assert not ApiToken.objects.filter(user=ward.nurse).exists()


def test_token_page_needs_a_login(ward: Ward) -> None:
    response = Client().get("/jetons-api/")
    assert response.status_code == 302 and "/connexion/" in response.headers["Location"]


def test_token_commands_print_the_token_once_and_revoke_it(
    ward: Ward, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The commands start Django on a data directory; the test database is already configured.
    (tmp_path / "secret_key").write_text("x" * 50, encoding="ascii")
    monkeypatch.setenv("AUTARCIE_DATA_DIR", os.environ["AUTARCIE_DATA_DIR"])
    data_dir = ["--data-dir", str(tmp_path)]
    assert main(["token", "create", "ide.cardio", "--name", "robot", *data_dir]) == 0
    secret = capsys.readouterr().out.splitlines()[1]
    token = ApiToken.objects.get(name="robot")
    assert _read(secret)[0] == 200
    assert _journal("token.created")[-1].actor == "system:cli"
    assert main(["token", "revoke", str(token.pk), *data_dir]) == 0
    assert _read(secret)[0] == 401
    assert main(["token", "create", "nobody", *data_dir]) == 2
    assert "no user named" in capsys.readouterr().err
