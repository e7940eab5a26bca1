"""The demonstration instance: units, one account per role, passwords printed once."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from autarcie.core import actions, totp
from autarcie.core.journal import Action, record
from autarcie.core.models import Unit
from autarcie.core.roles import Role, UnitKind

ACTOR = "system:demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    roles: tuple[Role, ...]
    units: tuple[str, ...]
    totp_uri: str = ""


@dataclass
class DemoAccounts:
    url: str
    accounts: list[DemoAccount] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [
            "Autarcie demo: fictitious hospital, fictitious patients.",
            f"Open {self.url} and log in with one of these accounts:",
            "",
        ]
        for a in self.accounts:
            scope = ", ".join(a.units) if a.units else "all units"
            roles = ", ".join(r.value for r in a.roles)
            lines.append(f"  {a.username:<12} {a.password}   [{roles}; {scope}]")
            if a.totp_uri:
                lines.append(f"  {'':<12} second factor (TOTP): {a.totp_uri}")
        lines.append("")
        lines.append("These passwords are random for this demo and kept in demo-accounts.txt.")
        return "\n".join(lines)


def _password() -> str:
    # Four groups of five: long enough for the validators, easy to type on a ward keyboard.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


# (username, roles, unit labels in scope; None means every unit)
_PERSONAS: tuple[tuple[str, tuple[Role, ...], tuple[str, ...] | None], ...] = (
    ("admin", (Role.ADMIN,), None),
    ("medecin", (Role.PHYSICIAN,), ("Cardiologie", "USIC")),
    ("infirmiere", (Role.NURSE,), ("Cardiologie",)),
    ("urgentiste", (Role.PHYSICIAN,), ("Urgences adultes", "UHCD", "Réanimation polyvalente")),
    ("secretaire", (Role.SECRETARY,), ("Urgences adultes", "Urgences pédiatriques", "UHCD")),
    ("pharmacien", (Role.PHARMACIST,), None),
    ("directeur", (Role.CRISIS_DIRECTOR,), None),
    ("cellule", (Role.CRISIS_MEMBER,), None),
    ("rssi", (Role.IT_SECURITY,), None),
    ("auditeur", (Role.AUDITOR,), None),
)


def _scope(labels: tuple[str, ...] | None) -> list[Unit]:
    if labels is None:
        return []
    return list(Unit.objects.filter(label__in=labels).order_by("code"))


def create_accounts(url: str) -> DemoAccounts:
    result = DemoAccounts(url=url)
    for username, roles, labels in _PERSONAS:
        units = _scope(labels)
        password = _password()
        user = actions.create_user(
            actor=ACTOR,
            username=username,
            password=password,
            roles=roles,
            units=units,
            all_units=labels is None,
            full_name=f"Compte de démonstration {username}",
        )
        uri = ""
        if set(roles) & {Role.ADMIN, Role.IT_SECURITY, Role.CRISIS_DIRECTOR}:
            secret = totp.new_secret()
            totp.enrol_with_secret(actor=ACTOR, user=user, secret=secret)
            uri = totp.provisioning_uri(user, secret)
        result.accounts.append(
            DemoAccount(username, password, roles, tuple(u.code for u in units), uri)
        )
    return result


def create_units(seed: int, beds: int) -> int:
    from autarcie.demo.synth import build_hospital

    hospital = build_hospital(seed=seed, beds=beds)
    for unit in hospital.units:
        actions.create_unit(
            actor=ACTOR,
            code=unit.code,
            label=unit.label,
            kind=UnitKind(unit.kind),
            pole=unit.pole,
            beds=unit.beds,
        )
    return len(hospital.units)


def build_demo(data_dir: Path, *, beds: int, seed: int, days: int, patients: int) -> DemoAccounts:
    from autarcie.demo.feeding import feed_demo

    with transaction.atomic():
        unit_count = create_units(seed, beds)
        accounts = create_accounts("http://127.0.0.1:8000/")
        record(
            Action.DEMO_BUILT,
            actor=ACTOR,
            details={"beds": beds, "seed": seed, "days": days, "units": unit_count},
        )
    report = feed_demo(data_dir, beds=beds, seed=seed, days=days, patients=patients)
    codes = ", ".join(f"{n} {code}" for code, n in sorted(report.hl7_codes.items()))
    print(
        f"fed the demo hospital in {report.seconds:.0f} s: HL7 {codes}; FHIR "
        f"{report.fhir_projected} projected, {report.fhir_rejected} rejected",
        file=sys.stderr,
    )
    path = data_dir / "demo-accounts.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(accounts.as_text() + "\n")
    return accounts
