"""Drug stock: receipts, dispensations, counts, transfers, thresholds, stock as of a moment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from autarcie.care import stock_actions, stock_queries
from autarcie.care.fields import CareInputError
from autarcie.care.models import StockAlert
from autarcie.core.clock import FrozenClock
from autarcie.core.models import JournalEntry
from tests.care.conftest import CareWard

DRUG = {"drug_code": "3400930000001", "drug_label": "Paracétamol 1 g"}


def test_a_dispensation_below_the_threshold_raises_one_shortage_alert(care: CareWard) -> None:
    stock_actions.set_threshold(actor=care.pharmacist, location="PUI", minimum=10, **DRUG)
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="receipt", quantity=30, **DRUG
    )
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="dispensation", quantity=15, **DRUG
    )
    assert not StockAlert.objects.exists()
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="dispensation", quantity=6, **DRUG
    )
    alert = StockAlert.objects.get()
    assert (alert.level, alert.minimum) == (9, 10)
    journal = JournalEntry.objects.filter(action="care.stock_recorded").latest("seq")
    assert journal.details["shortage"] == {"level": 9, "minimum": 10}
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="dispensation", quantity=1, **DRUG
    )
    assert StockAlert.objects.count() == 1  # already below: no second alert
    (line,) = stock_queries.levels("PUI")
    assert line.short and line.level == 8


def test_a_dispensation_beyond_the_stock_is_refused(care: CareWard) -> None:
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="receipt", quantity=2, **DRUG
    )
    with pytest.raises(CareInputError) as caught:
        stock_actions.record_stock(
            actor=care.pharmacist, location="PUI", kind="dispensation", quantity=3, **DRUG
        )
    assert "inventaire" in caught.value.errors["quantity"]


def test_a_count_sets_the_level_and_the_stock_is_known_as_of_any_moment(
    care: CareWard, frozen_clock: FrozenClock
) -> None:
    start = frozen_clock.now()
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="receipt", quantity=50, **DRUG
    )
    frozen_clock.advance(dt.timedelta(hours=2))
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="count", quantity=41, **DRUG
    )
    frozen_clock.advance(dt.timedelta(hours=2))
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="dispensation", quantity=5, **DRUG
    )
    code = DRUG["drug_code"]
    assert stock_queries.level("PUI", code, start + dt.timedelta(hours=1)) == 50
    assert stock_queries.level("PUI", code, start + dt.timedelta(hours=3)) == 41
    assert stock_queries.level("PUI", code) == 36


def test_a_transfer_moves_stock_between_locations(care: CareWard) -> None:
    stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="receipt", quantity=20, **DRUG
    )
    stock_actions.transfer_stock(
        actor=care.pharmacist, source="PUI", destination="2010", quantity=8, **DRUG
    )
    assert stock_queries.level("PUI", DRUG["drug_code"]) == 12
    assert stock_queries.level("2010", DRUG["drug_code"]) == 8
    assert JournalEntry.objects.filter(action="care.stock_recorded").count() == 2


def test_consumption_per_day_counts_what_left_the_stock(care: CareWard) -> None:
    stock_actions.record_stock(
        actor=care.ward.nurse, location="2010", kind="receipt", quantity=20, **DRUG
    )
    for quantity in (3, 4):
        stock_actions.record_stock(
            actor=care.ward.nurse, location="2010", kind="dispensation", quantity=quantity, **DRUG
        )
    (day,) = stock_queries.consumption_per_day("2010").values()
    assert day == {"Paracétamol 1 g": 7}


def test_a_nurse_manages_only_her_units_stock(care: CareWard) -> None:
    with pytest.raises(PermissionDenied):
        stock_actions.record_stock(
            actor=care.ward.nurse, location="2020", kind="receipt", quantity=1, **DRUG
        )
    with pytest.raises(PermissionDenied):
        stock_actions.record_stock(
            actor=care.physician, location="2010", kind="receipt", quantity=1, **DRUG
        )


def test_a_stock_correction_appends_a_version(care: CareWard) -> None:
    entry = stock_actions.record_stock(
        actor=care.pharmacist, location="PUI", kind="receipt", quantity=20, **DRUG
    )
    stock_actions.correct_stock(
        actor=care.pharmacist,
        entry=entry,
        reason="bon de livraison relu",
        quantity=12,
        cancel=False,
    )
    assert stock_queries.level("PUI", DRUG["drug_code"]) == 12
    entry.refresh_from_db()
    assert entry.quantity == 20
