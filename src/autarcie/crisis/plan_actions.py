"""Changes to the restoration plan: import, wave overrides, stages, credentials, effort."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import AccessDenied
from autarcie.core.journal import Action, record
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.crisis import restoration
from autarcie.crisis.actions import CELL_ROLES, CrisisError, _open
from autarcie.crisis.models import (
    STAGE_ORDER,
    Credential,
    Crisis,
    Effort,
    ItemStage,
    PlanItem,
    StageChange,
)

PLAN_ROLES = (Role.CRISIS_DIRECTOR, Role.IT_SECURITY)
KRBTGT_GAP = dt.timedelta(hours=10)
# The domain's Kerberos key must be reset twice, far enough apart that every ticket signed
# with the old key has expired (default ticket lifetime 10 h), or forged tickets survive.
KRBTGT = (
    ("KRBTGT-1", "krbtgt : première réinitialisation"),
    ("KRBTGT-2", "krbtgt : seconde réinitialisation"),
)


class InventoryRejected(CrisisError):
    def __init__(self, problems: list[restoration.Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"inventaire refusé : {len(problems)} erreur(s) ; "
            + "; ".join(str(p) for p in problems[:5])
        )


def _require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise AccessDenied("this role may not change the restoration plan")


def import_inventory(
    *, actor: User, crisis: Crisis, text: str, file_name: str = ""
) -> restoration.Inventory:
    """Validate and plan an inventory; re-importing keeps each item's stage and override."""
    _require(actor, *PLAN_ROLES)
    inventory = restoration.read_inventory(text)
    if inventory.errors:
        raise InventoryRejected(inventory.errors)
    placements = {p.ident: p for p in restoration.compute_waves(inventory)}
    rows = {r.ident: r for r in inventory.rows}
    with transaction.atomic():
        locked = _open(crisis)
        existing = {i.ident: i for i in PlanItem.objects.filter(crisis=locked)}
        fresh: list[PlanItem] = []
        changed: list[PlanItem] = []
        for ident, placement in placements.items():
            row = rows[ident]
            item = existing.get(ident) or PlanItem(crisis=locked, ident=ident)
            item.kind, item.name, item.priority = row.kind, row.name, row.priority
            item.care_processes, item.depends_on = row.care_processes, list(row.depends_on)
            item.wave, item.reason = placement.wave, placement.reason
            (changed if item.pk else fresh).append(item)
        PlanItem.objects.bulk_create(fresh, batch_size=500)
        PlanItem.objects.bulk_update(
            changed,
            ["kind", "name", "priority", "care_processes", "depends_on", "wave", "reason"],
            batch_size=500,
        )
        _import_credentials(locked, restoration.accounts(inventory))
        record(
            Action.CRISIS_PLAN_IMPORTED,
            actor=actor,
            target_type="crisis",
            target_id=locked.pk,
            details={
                "file": file_name,
                "items": len(placements),
                "new": len(fresh),
                "waves": max((p.wave for p in placements.values()), default=0),
                "warnings": len(inventory.warnings),
            },
        )
    return inventory


def _import_credentials(crisis: Crisis, accounts: list[restoration.Row]) -> None:
    known = set(Credential.objects.filter(crisis=crisis).values_list("ident", flat=True))
    rows = [
        Credential(
            crisis=crisis,
            ident=a.ident,
            name=a.name,
            account_type=a.account_type or "service",
            target=";".join(a.depends_on),
        )
        for a in accounts
        if a.ident not in known
    ]
    rows += [
        Credential(
            crisis=crisis, ident=ident, name=name, account_type="krbtgt", target="Active Directory"
        )
        for ident, name in KRBTGT
        if ident not in known
    ]
    Credential.objects.bulk_create(rows, batch_size=500)


def override_wave(*, actor: User, item: PlanItem, wave: int, reason: str) -> PlanItem:
    _require(actor, *PLAN_ROLES)
    if not reason.strip():
        raise CrisisError("motivez le déplacement de vague")
    if wave < 1:
        raise CrisisError("les vagues commencent à 1")
    with transaction.atomic():
        _open(item.crisis)
        previous = item.effective_wave
        item.override_wave, item.override_reason = wave, reason.strip()
        item.save(update_fields=["override_wave", "override_reason"])
        record(
            Action.CRISIS_PLAN_OVERRIDDEN,
            actor=actor,
            target_type="crisis_plan_item",
            target_id=item.pk,
            details={"ident": item.ident, "from": previous, "to": wave, "computed": item.wave},
        )
    return item


def set_stage(*, actor: User, item: PlanItem, stage: ItemStage) -> PlanItem:
    """Move an item one step forward: isolated → cleaned → rebuilt → restored → validated.

    No step is skipped: a server "restored" that was never cleaned nor rebuilt would bring
    the attacker's implant back into the rebuilt network.
    """
    _require(actor, *CELL_ROLES)
    if STAGE_ORDER.index(stage) <= STAGE_ORDER.index(item.stage):
        raise CrisisError(
            "l'avancement d'un élément ne recule pas ; consignez le problème en main courante"
        )
    expected = item.next_stage
    if expected is not None and stage != expected:
        raise CrisisError(
            f"étape refusée : « {ItemStage(item.stage).label} » passe d'abord à "
            f"« {expected.label} » ; aucune étape ne peut être sautée"
        )
    with transaction.atomic():
        _open(item.crisis)
        previous, now = item.stage, clock.now()
        item.stage, item.stage_at = stage, now
        item.save(update_fields=["stage", "stage_at"])
        StageChange.objects.create(item=item, stage=stage, at=now, by=actor)
        record(
            Action.CRISIS_ITEM_STAGED,
            actor=actor,
            target_type="crisis_plan_item",
            target_id=item.pk,
            details={"ident": item.ident, "from": previous, "to": stage.value},
        )
    return item


def rotate_credential(*, actor: User, credential: Credential) -> Credential:
    _require(actor, *PLAN_ROLES)
    if credential.rotated_at is not None:
        raise CrisisError("ce compte est déjà renouvelé")
    now = clock.now()
    with transaction.atomic():
        _open(credential.crisis)
        if credential.ident == "KRBTGT-2":
            first = Credential.objects.get(crisis=credential.crisis, ident="KRBTGT-1")
            if first.rotated_at is None or now - first.rotated_at < KRBTGT_GAP:
                raise CrisisError(
                    "la seconde réinitialisation de krbtgt attend 10 h après la première"
                )
        credential.rotated_at, credential.rotated_by = now, actor
        credential.save(update_fields=["rotated_at", "rotated_by"])
        record(
            Action.CRISIS_CREDENTIAL_ROTATED,
            actor=actor,
            target_type="crisis_credential",
            target_id=credential.pk,
            details={"ident": credential.ident, "type": credential.account_type},
        )
    return credential


def record_effort(
    *,
    actor: User,
    crisis: Crisis,
    note: str,
    person_days: Decimal,
    cost_eur: Decimal,
    on_day: dt.date,
    item: str = "",
) -> Effort:
    _require(actor, *CELL_ROLES)
    if person_days < 0 or cost_eur < 0:
        raise CrisisError("l'effort et le coût sont positifs")
    with transaction.atomic():
        locked = _open(crisis)
        effort = Effort.objects.create(
            crisis=locked,
            item=item.strip(),
            person_days=person_days,
            cost_eur=cost_eur,
            note=note.strip(),
            on_day=on_day,
            by=actor,
        )
        record(
            Action.CRISIS_EFFORT_RECORDED,
            actor=actor,
            target_type="crisis",
            target_id=locked.pk,
            details={
                "person_days": str(person_days),
                "cost_eur": str(cost_eur),
                "item": effort.item,
            },
        )
    return effort
