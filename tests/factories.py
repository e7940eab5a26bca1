"""Small builders for database tests: units and users with roles and scopes."""

from __future__ import annotations

from collections.abc import Iterable

from autarcie.core import actions
from autarcie.core.models import Unit, User
from autarcie.core.roles import Role, UnitKind

PASSWORD = "long-enough-test-pw-1"


def make_unit(code: str, kind: UnitKind = UnitKind.MEDICINE, label: str = "") -> Unit:
    return actions.create_unit(
        actor="system:test", code=code, label=label or f"Unité {code}", kind=kind, beds=20
    )


def make_user(
    username: str,
    *roles: Role,
    units: Iterable[Unit] = (),
    all_units: bool = False,
    password: str = PASSWORD,
) -> User:
    return actions.create_user(
        actor="system:test",
        username=username,
        password=password,
        roles=roles or (Role.NURSE,),
        units=units,
        all_units=all_units,
    )
