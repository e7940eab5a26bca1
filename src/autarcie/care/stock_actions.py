"""Every change to the drug stock: receipts, dispensations, counts, transfers, thresholds."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from autarcie.care.access import check_stock
from autarcie.care.actions import WrittenAt, author_fields, written_time
from autarcie.care.fields import CareInputError
from autarcie.care.models import StockAlert, StockEntry, StockKind, StockThreshold, StockUnit
from autarcie.care.stock_queries import PLURALS, apply, last_unit, level, unit_name
from autarcie.care.validation import stock_quantity_error
from autarcie.core import clock
from autarcie.core.journal import Action, Actor, record


def _check(
    drug_code: str, drug_label: str, quantity: int, kind: str, field: str = "quantity"
) -> None:
    errors = {}
    if not drug_code.strip():
        errors["drug_code"] = "Code du médicament (CIP13 ou UCD) : obligatoire."
    if not drug_label.strip():
        errors["drug_label"] = "Libellé du médicament : obligatoire."
    if quantity < 0 or (quantity == 0 and kind != StockKind.COUNT):
        errors[field] = "Quantité : un nombre entier positif."
    elif too_many := stock_quantity_error(quantity):
        errors[field] = too_many
    if kind not in StockKind.values:
        errors["kind"] = f"Type de mouvement « {kind} » inconnu."
    if errors:
        raise CareInputError(errors)


def _new(actor: Actor, location: str, **fields: Any) -> StockEntry:
    author, label = author_fields(actor)
    return StockEntry.objects.create(
        chain=fields.pop("chain", None) or uuid.uuid4().hex,
        location=location,
        typed_at=clock.now(),
        author=author,
        author_label=label,
        **fields,
    )


def _unit(location: str, drug_code: str, drug_label: str, unit: str) -> str:
    """The unit of a movement: the one chosen, or the one the drug is counted in here.

    A drug counted in ampoules here cannot be dispensed in boxes: the level would mix both.
    """
    if unit and unit not in StockUnit.values:
        raise CareInputError({"unit": "Unité inconnue : choisissez-la dans la liste."})
    known = last_unit(location, drug_code)
    if unit and known and unit != known:
        names = PLURALS[StockUnit(known)]
        raise CareInputError(
            {
                "unit": f"Unité : {drug_label} se compte en {names} ici ; saisissez la quantité "
                f"en {names}."
            }
        )
    return unit or known


def _shortage(entry: StockEntry, before: int, after: int) -> StockAlert | None:
    """An alert when the level falls to the threshold or below, and when it reaches zero
    (a rupture is worth an alert even when the level was already under the threshold)."""
    threshold = StockThreshold.objects.filter(
        location=entry.location, drug_code=entry.drug_code
    ).first()
    minimum = threshold.minimum if threshold is not None else 0
    crossed = threshold is not None and before > minimum >= after
    if not crossed and not after <= 0 < before:
        return None
    return StockAlert.objects.create(
        location=entry.location,
        drug_code=entry.drug_code,
        drug_label=entry.drug_label,
        level=after,
        minimum=minimum,
        raised_at=clock.now(),
        entry=entry,
    )


def _journal(
    action: Action, actor: Actor, entry: StockEntry, after: int, alert: StockAlert | None
) -> None:
    details: dict[str, Any] = {
        "entry": entry.pk,
        "kind": entry.kind,
        "drug": entry.drug_code,
        "quantity": entry.quantity,
        "level": after,
        "version": entry.version,
    }
    if entry.unit:
        details["unit"] = entry.unit
    if entry.counterpart:
        details["counterpart"] = entry.counterpart
    if entry.version > 1:
        details |= {"reason": entry.reason, "cancelled": entry.cancelled}
    if alert is not None:
        details["shortage"] = {"level": alert.level, "minimum": alert.minimum}
    record(action, actor=actor, target_type="stock", target_id=entry.location, details=details)


def _refuse_negative(before: int, after: int, label: str, unit: str) -> None:
    if after < 0:
        held = f"{before} {unit_name(unit, before)}".strip()
        raise CareInputError(
            {
                "quantity": f"Stock insuffisant de {label} : {held} en stock. Si le stock "
                "réel diffère, saisissez d'abord un inventaire (comptage)."
            }
        )


def record_stock(
    *,
    actor: Actor,
    location: str,
    drug_code: str,
    drug_label: str,
    kind: str,
    quantity: int,
    written_at: WrittenAt = None,
    unit: str = "",
) -> StockEntry:
    """One receipt, dispensation or count; raises the shortage alert when the level crosses
    the threshold or reaches zero."""
    check_stock(actor, location)
    _check(drug_code, drug_label, quantity, kind)
    if kind in (StockKind.TRANSFER_IN, StockKind.TRANSFER_OUT):
        raise CareInputError({"kind": "Un transfert se saisit avec le formulaire de transfert."})
    moment = written_time(written_at)
    with transaction.atomic():
        unit = _unit(location, drug_code.strip(), drug_label, unit)
        before = level(location, drug_code.strip())
        after = apply(before, kind, quantity)
        _refuse_negative(before, after, drug_label, unit)
        entry = _new(
            actor,
            location,
            drug_code=drug_code.strip(),
            drug_label=drug_label.strip(),
            kind=kind,
            quantity=quantity,
            unit=unit,
            written_at=moment,
        )
        alert = _shortage(entry, before, after)
        _journal(Action.CARE_STOCK_RECORDED, actor, entry, after, alert)
    return entry


def transfer_stock(
    *,
    actor: Actor,
    source: str,
    destination: str,
    drug_code: str,
    drug_label: str,
    quantity: int,
    written_at: WrittenAt = None,
    unit: str = "",
) -> StockEntry:
    """Send drugs from one location to another: two entries, one journal entry."""
    check_stock(actor, source)
    _check(drug_code, drug_label, quantity, StockKind.TRANSFER_OUT)
    if source == destination:
        raise CareInputError({"counterpart": "Choisissez une autre unité de destination."})
    moment = written_time(written_at)
    with transaction.atomic():
        unit = _unit(source, drug_code, drug_label, unit)
        unit = _unit(destination, drug_code, drug_label, unit)
        before = level(source, drug_code)
        after = before - quantity
        _refuse_negative(before, after, drug_label, unit)
        common = {
            "drug_code": drug_code,
            "drug_label": drug_label,
            "quantity": quantity,
            "unit": unit,
        }
        out = _new(
            actor,
            source,
            kind=StockKind.TRANSFER_OUT,
            counterpart=destination,
            written_at=moment,
            **common,
        )
        _new(
            actor,
            destination,
            kind=StockKind.TRANSFER_IN,
            counterpart=source,
            written_at=moment,
            **common,
        )
        alert = _shortage(out, before, after)
        _journal(Action.CARE_STOCK_RECORDED, actor, out, after, alert)
    return out


def correct_stock(
    *, actor: Actor, entry: StockEntry, reason: str, quantity: int | None = None, cancel: bool
) -> StockEntry:
    """Append a corrected (or cancelled) version of a stock entry, with its reason."""
    check_stock(actor, entry.location)
    if not reason.strip():
        raise CareInputError({"reason": "Motif de la correction : obligatoire."})
    new_quantity = entry.quantity if quantity is None else quantity
    _check(entry.drug_code, entry.drug_label, new_quantity, entry.kind)
    with transaction.atomic():
        latest = StockEntry.objects.filter(chain=entry.chain).order_by("-version").first()
        if latest is None or latest.version != entry.version:
            raise CareInputError({"reason": "Déjà corrigée par quelqu'un d'autre : rechargez."})
        version = _new(
            actor,
            entry.location,
            chain=entry.chain,
            version=entry.version + 1,
            reason=reason.strip(),
            cancelled=cancel,
            drug_code=entry.drug_code,
            drug_label=entry.drug_label,
            kind=entry.kind,
            quantity=new_quantity,
            unit=entry.unit,
            counterpart=entry.counterpart,
            written_at=entry.written_at,
        )
        after = level(entry.location, entry.drug_code)
        _journal(Action.CARE_STOCK_CORRECTED, actor, version, after, None)
    return version


def set_threshold(
    *, actor: Actor, location: str, drug_code: str, drug_label: str, minimum: int
) -> StockThreshold:
    check_stock(actor, location)
    _check(drug_code, drug_label, max(minimum, 1), StockKind.COUNT, "minimum")
    with transaction.atomic():
        threshold, _ = StockThreshold.objects.update_or_create(
            location=location,
            drug_code=drug_code.strip(),
            defaults={"drug_label": drug_label.strip(), "minimum": minimum},
        )
        record(
            Action.CARE_STOCK_THRESHOLD_SET,
            actor=actor,
            target_type="stock",
            target_id=location,
            details={"drug": threshold.drug_code, "minimum": minimum},
        )
    return threshold
