"""Units on an instance made by `init`: command line and admin page, through journaled actions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from autarcie.core import actions, clock, totp
from autarcie.core.clock import FrozenClock
from autarcie.core.models import JournalEntry, Unit, User
from autarcie.core.roles import Role, UnitKind
from tests.core.test_cli import PASSWORD, _env, _one_line_error, run
from tests.factories import PASSWORD as TEST_PASSWORD
from tests.factories import make_unit, make_user


@pytest.fixture
def instance(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    data, key = tmp_path / "data", tmp_path / "keys" / "db.key"
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    env = _env(AUTARCIE_DB_KEY_FILE=str(key))
    done = run("init", "--data-dir", str(data), "--admin-password-file", str(pw), env=env)
    assert done.returncode == 0, done.stderr
    return data, env


def _journal(data: Path, env: dict[str, str], out: Path) -> list[dict[str, object]]:
    done = run("journal", "export", "--out", str(out), "--data-dir", str(data), env=env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_init_then_unit_create_lets_createuser_name_the_unit(
    instance: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data, env = instance
    where = ["--data-dir", str(data)]
    made = run(
        "unit", "create", "CARDIO", "--label", "Cardiologie", "--kind", "medicine",
        "--beds", "24", *where, env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "created unit CARDIO (Cardiologie)" in made.stdout
    pw = tmp_path / "nurse-pw"
    pw.write_text("another-long-password", encoding="utf-8")
    user = run(
        "createuser", "ide.cardio", "--role", "nurse", "--unit", "CARDIO",
        "--password-file", str(pw), *where, env=env,
    )  # fmt: skip
    assert user.returncode == 0, user.stderr
    edited = run("unit", "edit", "CARDIO", "--beds", "26", "--pole", "Cœur", *where, env=env)
    assert edited.returncode == 0, edited.stderr
    assert "unit CARDIO: changed beds, pole" in edited.stdout
    listed = run("unit", "list", *where, env=env)
    assert "CARDIO" in listed.stdout and "26 beds" in listed.stdout and "1 units" in listed.stdout
    entries = _journal(data, env, tmp_path / "journal.jsonl")
    by_action = {str(e["action"]): e for e in entries}
    created = by_action["unit.created"]
    assert (created["actor"], created["target_id"]) == ("system:cli", "CARDIO")
    changed = by_action["unit.changed"]
    assert changed["details"] == {
        "before": {"beds": "24", "pole": ""},
        "after": {"beds": "26", "pole": "Cœur"},
    }
    assert by_action["user.created"]["details"]["units"] == ["CARDIO"]  # type: ignore[index]
    assert run("journal", "verify", *where, env=env).returncode == 0


BAD_INPUT = [
    (["create", "CAR DIO", "--label", "x"], "invalid unit code 'CAR DIO'"),
    (["create", "CARDIO", "--label", "x", "--kind", "ward"], "unknown unit kind 'ward'"),
    (["create", "CARDIO", "--label", " "], "a unit needs a label"),
    (["create", "CARDIO", "--label", "x", "--beds", "-1"], "cannot be negative"),
    (["edit", "NOWHERE", "--beds", "3"], "no unit 'NOWHERE'"),
    (["create", "URG", "--label", "Autre"], "the unit 'URG' already exists"),
]


def test_unit_commands_refuse_bad_input_in_one_line(
    instance: tuple[Path, dict[str, str]],
) -> None:
    data, env = instance
    where = ["--data-dir", str(data)]
    assert run("unit", "create", "URG", "--label", "Urgences", *where, env=env).returncode == 0
    for args, message in BAD_INPUT:
        _one_line_error(run("unit", *args, *where, env=env), message)
    assert "1 units" in run("unit", "list", *where, env=env).stdout


# -- the admin page -------------------------------------------------------------------------


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC))
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


def _admin_client(frozen: FrozenClock) -> tuple[Client, User]:
    admin = make_user("chef.admin", Role.ADMIN, all_units=True)
    secret = pyotp.random_base32()
    totp.enrol_with_secret(actor="system:test", user=admin, secret=secret)
    client = Client()
    client.post("/connexion/", {"username": admin.username, "password": TEST_PASSWORD})
    done = client.post(reverse("core:second_factor"), {"code": pyotp.TOTP(secret).at(frozen.now())})
    assert done.headers["Location"] == "/"
    return client, admin


@pytest.mark.django_db
def test_admin_creates_and_edits_a_unit_on_the_page_and_both_are_journaled(
    frozen: FrozenClock,
) -> None:
    client, admin = _admin_client(frozen)
    form = {"code": "PNEUMO", "label": "Pneumologie", "kind": "medicine", "pole": "", "beds": "18"}
    response = client.post(reverse("core:admin_unit_new"), form)
    assert response.headers["Location"] == reverse("core:admin_units")
    unit = Unit.objects.get(code="PNEUMO")
    assert (unit.label, unit.kind, unit.beds) == ("Pneumologie", UnitKind.MEDICINE, 18)
    page = client.get(reverse("core:admin_units")).content.decode()
    assert "PNEUMO" in page and "Pneumologie" in page
    edit = {**form, "label": "Pneumologie B", "beds": "20"}
    client.post(reverse("core:admin_unit_edit", args=["PNEUMO"]), edit)
    unit.refresh_from_db()
    assert (unit.label, unit.beds) == ("Pneumologie B", 20)
    entries = JournalEntry.objects.filter(target_type="unit", target_id="PNEUMO").order_by("seq")
    assert [(e.action, e.actor_user_id) for e in entries] == [
        ("unit.created", admin.pk),
        ("unit.changed", admin.pk),
    ]


@pytest.mark.django_db
def test_bad_unit_input_on_the_page_is_explained_in_french_and_kept(frozen: FrozenClock) -> None:
    make_unit("URG", UnitKind.EMERGENCY)
    client, _admin = _admin_client(frozen)
    form = {"code": "URG", "label": "Urgences pédiatriques", "kind": "emergency", "beds": "4"}
    page = client.post(reverse("core:admin_unit_new"), form).content.decode()
    assert "Une unité porte déjà ce code" in page
    assert 'value="Urgences pédiatriques"' in page
    spaced = {**form, "code": "URG PED"}
    page = client.post(reverse("core:admin_unit_new"), spaced).content.decode()
    assert "sans espace" in page
    assert Unit.objects.count() == 1


@pytest.mark.django_db
def test_a_nurse_cannot_open_the_units_page() -> None:
    nurse = make_user("ide.unites", Role.NURSE)
    client = Client(raise_request_exception=False)
    client.force_login(nurse)
    assert client.get(reverse("core:admin_units")).status_code == 403
    assert client.post(reverse("core:admin_unit_new"), {"code": "X"}).status_code == 403
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_editing_nothing_writes_no_journal_entry() -> None:
    unit = make_unit("GERIA", UnitKind.GERIATRICS)
    before = JournalEntry.objects.count()
    assert actions.edit_unit(actor="system:test", unit=unit, label=unit.label, beds=20) == []
    assert JournalEntry.objects.count() == before
