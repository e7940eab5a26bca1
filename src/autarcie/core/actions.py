"""Every change the security core makes: one function per verb, atomic, journaled."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import ConfigurationError
from autarcie.core.journal import Action, Actor, Verification, record
from autarcie.core.models import RoleGrant, Unit, User
from autarcie.core.roles import Role, UnitKind

UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$")


def check_unit(*, code: str, label: str, beds: int) -> None:
    """Refuse what would break a unit: the code is the key of scopes, kits and feeds."""
    if not UNIT_CODE.match(code):
        raise ConfigurationError(
            f"invalid unit code {code!r}: 1 to 20 letters, digits, '.', '_' or '-', no space"
        )
    if not label.strip() or len(label) > 120:
        raise ConfigurationError("a unit needs a label of 1 to 120 characters")
    if beds < 0:
        raise ConfigurationError("the number of beds cannot be negative")


def create_unit(
    *, actor: Actor, code: str, label: str, kind: UnitKind, pole: str = "", beds: int = 0
) -> Unit:
    check_unit(code=code, label=label, beds=beds)
    if Unit.objects.filter(code=code).exists():
        raise ConfigurationError(f"the unit {code!r} already exists")
    with transaction.atomic():
        unit = Unit.objects.create(code=code, label=label, kind=kind, pole=pole, beds=beds)
        record(
            Action.UNIT_CREATED,
            actor=actor,
            target_type="unit",
            target_id=code,
            details={"label": label, "kind": str(kind), "beds": beds},
        )
    return unit


def edit_unit(
    *,
    actor: Actor,
    unit: Unit,
    label: str | None = None,
    kind: UnitKind | None = None,
    pole: str | None = None,
    beds: int | None = None,
) -> list[str]:
    """Change what was given; the code never changes (users, kits and feeds name it).
    Returns the names of the fields that changed (none: nothing is written)."""
    wanted = {"label": label, "kind": kind, "pole": pole, "beds": beds}
    changes = {k: v for k, v in wanted.items() if v is not None and v != getattr(unit, k)}
    if not changes:
        return []
    check_unit(
        code=unit.code,
        label=label if label is not None else unit.label,
        beds=beds if beds is not None else unit.beds,
    )
    with transaction.atomic():
        before = {k: str(getattr(unit, k)) for k in changes}
        for name, value in changes.items():
            setattr(unit, name, value)
        unit.save(update_fields=sorted(changes))
        record(
            Action.UNIT_CHANGED,
            actor=actor,
            target_type="unit",
            target_id=unit.code,
            details={"before": before, "after": {k: str(v) for k, v in changes.items()}},
        )
    return sorted(changes)


def parse_roles(names: Iterable[str]) -> list[Role]:
    roles: list[Role] = []
    for name in names:
        try:
            roles.append(Role(name))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ConfigurationError(f"unknown role {name!r} (roles: {allowed})") from None
    if not roles:
        raise ConfigurationError("a user needs at least one role")
    return sorted(set(roles))


def resolve_units(codes: Iterable[str]) -> list[Unit]:
    wanted = sorted(set(codes))
    found = {u.code: u for u in Unit.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ConfigurationError(f"unknown unit(s): {', '.join(missing)}")
    return [found[c] for c in wanted]


def check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ConfigurationError("weak password: " + " ".join(exc.messages)) from None


def create_user(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[Role],
    units: Iterable[Unit] = (),
    all_units: bool = False,
    full_name: str = "",
) -> User:
    role_list = sorted(set(roles))
    unit_list = list(units)
    if not username or not username.isascii() or any(c.isspace() for c in username):
        raise ConfigurationError(f"invalid username {username!r}: ASCII letters without spaces")
    if User.objects.filter(username=username).exists():
        raise ConfigurationError(f"the user {username!r} already exists")
    candidate = User(username=username, full_name=full_name)
    check_password(password, candidate)
    with transaction.atomic():
        user = User(
            username=username, full_name=full_name, all_units=all_units, created_at=clock.now()
        )
        user.set_password(password)
        user.save()
        RoleGrant.objects.bulk_create(RoleGrant(user=user, role=r) for r in role_list)
        user.units.set(unit_list)
        record(
            Action.USER_CREATED,
            actor=actor,
            target_type="user",
            target_id=user.pk,
            details={
                "username": username,
                "roles": [r.value for r in role_list],
                "units": [u.code for u in unit_list],
                "all_units": all_units,
            },
        )
    return user


def set_roles(*, actor: Actor, user: User, roles: Iterable[Role]) -> None:
    new = sorted(set(roles))
    if not new:
        raise ConfigurationError("a user needs at least one role")
    with transaction.atomic():
        old = sorted(r.value for r in user.role_set)
        user.grants.all().delete()
        RoleGrant.objects.bulk_create(RoleGrant(user=user, role=r) for r in new)
        user.forget_cached_roles()
        record(
            Action.USER_ROLES_CHANGED,
            actor=actor,
            target_type="user",
            target_id=user.pk,
            details={"before": old, "after": [r.value for r in new]},
        )


def set_units(*, actor: Actor, user: User, units: Iterable[Unit], all_units: bool) -> None:
    unit_list = list(units)
    with transaction.atomic():
        before = sorted(user.units.values_list("code", flat=True))
        user.units.set(unit_list)
        user.forget_cached_roles()
        was_all = user.all_units
        user.all_units = all_units
        user.save(update_fields=["all_units"])
        record(
            Action.USER_UNITS_CHANGED,
            actor=actor,
            target_type="user",
            target_id=user.pk,
            details={
                "before": before,
                "after": sorted(u.code for u in unit_list),
                "all_units_before": was_all,
                "all_units_after": all_units,
            },
        )


def set_password(*, actor: Actor, user: User, password: str) -> None:
    check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(Action.USER_PASSWORD_CHANGED, actor=actor, target_type="user", target_id=user.pk)


def set_active(*, actor: Actor, user: User, active: bool) -> None:
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        action = Action.USER_ACTIVATED if active else Action.USER_DEACTIVATED
        record(action, actor=actor, target_type="user", target_id=user.pk)


def record_journal_check(*, actor: Actor, result: Verification) -> None:
    """A verification asked from a page: who checked, and what they were told."""
    with transaction.atomic():
        record(
            Action.JOURNAL_VERIFIED,
            actor=actor,
            target_type="journal",
            details={
                "ok": result.ok,
                "entries": result.entries,
                "bad_seq": result.bad_seq,
                "kind": result.kind,
            },
        )
