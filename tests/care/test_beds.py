"""Critical-care beds: configuration, updates by hand or from the census, history, CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied

from autarcie.care import actions, bed_actions, beds
from autarcie.care.fields import CareInputError
from autarcie.care.models import BedReport, EntryKind
from autarcie.care.queries import Subject
from autarcie.core.csv_export import BOM
from autarcie.core.errors import AccessDenied
from tests.care.conftest import CareWard


def _configure(care: CareWard) -> None:
    bed_actions.configure_critical_unit(
        actor="system:test", unit=care.ward.cardio, ror_category="262", installed=8
    )


def test_a_manual_update_is_kept_in_the_history(care: CareWard) -> None:
    _configure(care)
    bed_actions.update_beds(
        actor=care.ward.nurse, unit=care.ward.cardio, available=3, occupied=4, closed=1
    )
    bed_actions.update_beds(
        actor=care.physician, unit=care.ward.cardio, available=2, occupied=5, closed=1
    )
    (line,) = beds.current_beds()
    assert (line.available, line.occupied, line.closed, line.category_label) == (2, 5, 1, "USIC")
    assert [r.available for r in beds.bed_history("2010")] == [2, 3]


def test_more_beds_than_installed_are_refused(care: CareWard) -> None:
    _configure(care)
    with pytest.raises(CareInputError) as caught:
        bed_actions.update_beds(
            actor=care.ward.nurse, unit=care.ward.cardio, available=5, occupied=4, closed=0
        )
    assert "8 lits installés" in caught.value.errors["available"]
    assert not BedReport.objects.exists()


def test_an_update_from_the_census_counts_downtime_admissions(care: CareWard) -> None:
    _configure(care)
    actions.admit_temporary(
        actor=care.secretary,
        identity={"tempid": care.tempids[0], "birth_family": "X", "given": "Y", "sex": "F"},
        unit_code="2010",
    )
    report = bed_actions.update_beds_from_census(actor=care.ward.nurse, unit=care.ward.cardio)
    assert (report.occupied, report.available, report.source) == (2, 6, "census")
    actions.record_entry(
        actor=care.ward.nurse,
        subject=Subject(patient=care.ward.lefevre),
        kind=EntryKind.MOVEMENT,
        data={"movement": "discharge"},
    )
    report = bed_actions.update_beds_from_census(actor=care.ward.nurse, unit=care.ward.cardio)
    assert report.occupied == 1


def test_only_carers_of_the_unit_update_and_only_admins_configure(care: CareWard) -> None:
    _configure(care)
    with pytest.raises(PermissionDenied):
        bed_actions.update_beds(
            actor=care.ward.other_nurse, unit=care.ward.cardio, available=1, occupied=1, closed=0
        )
    with pytest.raises(AccessDenied):
        bed_actions.configure_critical_unit(
            actor=care.physician, unit=care.ward.cardio, ror_category="121", installed=4
        )


def test_the_csv_lists_the_current_availability(care: CareWard) -> None:
    _configure(care)
    bed_actions.update_beds(
        actor=care.ward.nurse, unit=care.ward.cardio, available=3, occupied=5, closed=0
    )
    rows = list(
        csv.DictReader(
            io.StringIO(beds.beds_csv(beds.current_beds(), "CH de test").removeprefix(BOM)),
            delimiter=";",
        )
    )
    assert (rows[0]["etablissement"], rows[0]["uf"]) == ("CH de test", "2010")
    assert (rows[0]["categorie_ror"], rows[0]["disponibles"], rows[0]["occupes"]) == (
        "262",
        "3",
        "5",
    )
