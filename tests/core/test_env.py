"""Typed environment helpers fail loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from autarcie.core.env import (
    env_bool,
    env_choice,
    env_choices,
    env_int,
    env_optional,
    env_path,
)


def test_bool_accepts_usual_spellings_and_rejects_others() -> None:
    assert env_bool("X", False, {"X": "yes"}) is True
    assert env_bool("X", True, {"X": "0"}) is False
    assert env_bool("X", True, {}) is True
    with pytest.raises(ImproperlyConfigured, match="X='maybe' is not a boolean"):
        env_bool("X", False, {"X": "maybe"})


def test_int_checks_format_and_bounds() -> None:
    assert env_int("N", 3, {"N": " 42 "}) == 42
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("N", 3, {"N": "4x"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum 60"):
        env_int("N", 900, {"N": "5"}, minimum=60)


def test_choice_names_the_allowed_values() -> None:
    assert env_choice("DB", "sqlite", ["sqlite", "postgres"], {"DB": "Postgres"}) == "postgres"
    with pytest.raises(ImproperlyConfigured, match="must be one of: sqlite, postgres"):
        env_choice("DB", "sqlite", ["sqlite", "postgres"], {"DB": "mysql"})


def test_choices_read_a_comma_separated_list_and_name_the_unknown_ones() -> None:
    roles = ["nurse", "physician", "pharmacist"]
    assert env_choices("R", "physician", roles, {}) == ("physician",)
    assert env_choices("R", "physician", roles, {"R": " Nurse, pharmacist ,"}) == (
        "nurse",
        "pharmacist",
    )
    assert env_choices("R", "physician", roles, {"R": ""}) == ()
    with pytest.raises(ImproperlyConfigured, match="R: surgeon unknown"):
        env_choices("R", "physician", roles, {"R": "nurse,surgeon"})


def test_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n", encoding="utf-8")
    assert env_optional("PW", {"PW_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_optional("PW", {"PW_FILE": str(tmp_path / "missing")})


def test_empty_path_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        env_path("AUTARCIE_DATA_DIR", "./var", {"AUTARCIE_DATA_DIR": " "})


def test_production_settings_use_argon2_and_fail_closed() -> None:
    import autarcie.settings as prod

    assert prod.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert prod.AUTH_PASSWORD_VALIDATORS[0]["OPTIONS"] == {"min_length": 12}
    assert prod.IDLE_TIMEOUT_SECONDS == 15 * 60


@pytest.mark.parametrize(("value", "message"), [("", "needs at least one role"), ("x", "unknown")])
def test_the_token_page_roles_fail_closed(value: str, message: str) -> None:
    # An empty list would mean "no role required" to role_required: the start-up refuses it.
    env = {**os.environ, "AUTARCIE_API_TOKEN_ROLES": value}
    run = subprocess.run(
        [sys.executable, "-c", "import autarcie.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "AUTARCIE_API_TOKEN_ROLES" in run.stderr and message in run.stderr
