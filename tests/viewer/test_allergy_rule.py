"""The reconciliation rule of allergies (chart.allergies), on rows as the mirror holds them."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.mirror.allergies import (
    AllergyState,
    SourceAllergy,
    normalised_text,
    reconcile,
)
from tests.mirror_db.conftest import T0


def _row(pk: int, label: str, **fields: object) -> SourceAllergy:
    values: dict[str, object] = {
        "code": "",
        "system": "",
        "category": "",
        "severity": "",
        "reaction": "",
        "active": True,
        "received_at": T0 + dt.timedelta(minutes=pk),
        **fields,
    }
    return SourceAllergy(pk=pk, patient_id=1, label=label, **values)  # type: ignore[arg-type]


def test_texts_compare_without_accents_case_or_punctuation() -> None:
    assert normalised_text(" PÉNICILLINE. ") == normalised_text("pénicilline") == "penicilline"
    assert normalised_text("Œdème") == "oedeme"


def test_rows_coded_in_one_system_are_one_allergy_whatever_their_text() -> None:
    found = reconcile(
        [
            _row(1, "Amoxicilline", code="J01CA04", system="ATC", severity="MI"),
            _row(2, "amoxicilline (Clamoxyl)", code="j01ca04", system="http://www.whocc.no/atc"),
        ]
    )
    assert len(found.items) == 1
    assert found.items[0].system == "http://www.whocc.no/atc"
    assert found.items[0].sources == (1, 2)


def test_different_codes_in_one_system_stay_two_allergies_even_with_one_text() -> None:
    found = reconcile(
        [
            _row(1, "Pénicilline", code="J01CE", system="ATC"),
            _row(2, "Pénicilline", code="J01CF", system="ATC"),
        ]
    )
    assert len(found.items) == 2


def test_codes_of_different_systems_fall_back_to_the_text() -> None:
    found = reconcile(
        [
            _row(1, "PENICILLINE", code="PENI", system="L", severity="MO", category="DA"),
            _row(2, "Pénicilline", code="764146007", system="http://snomed.info/sct"),
            _row(3, "Iode", code="IODE", system="L"),
        ]
    )
    assert [a.label for a in found.items] == ["Iode", "Pénicilline"]


def test_one_entry_carries_the_newest_label_and_the_most_severe_severity() -> None:
    found = reconcile(
        [
            _row(2, "Pénicilline", severity="low", category="medication", reaction="urticaire"),
            _row(1, "PENICILLINE", severity="SV", category="DA", reaction="Urticaire, Œdème"),
        ]
    )
    (peni,) = found.items
    assert (peni.label, peni.severity, peni.severity_code) == ("Pénicilline", "sévère", "severe")
    assert (peni.category, peni.category_label) == ("medication", "médicament")
    assert peni.reactions == ("urticaire", "Œdème")
    assert peni.text() == "Pénicilline (médicament) — sévère — urticaire, Œdème"


def test_an_allergy_one_feed_still_states_stays_listed_when_the_other_ended_it() -> None:
    found = reconcile([_row(1, "Latex"), _row(2, "latex", active=False)])
    assert found.state is AllergyState.LISTED and len(found.items) == 1


def test_no_raw_code_is_shown_for_an_unknown_severity_or_type() -> None:
    (item,) = reconcile([_row(1, "Arachide", severity="U", category="ZZ")]).items
    assert (item.severity, item.category_label, item.text()) == ("", "", "Arachide")


@pytest.mark.parametrize(
    ("label", "code", "system"),
    [
        ("No known allergy", "716186003", "http://snomed.info/sct"),
        ("", "716186003", ""),
        ("NKA", "NKA", "L"),
        ("Aucune allergie connue", "", ""),
        ("Pas d'allergie connue", "", ""),
    ],
)
def test_a_no_known_allergy_statement_is_no_allergy(label: str, code: str, system: str) -> None:
    found = reconcile([_row(1, label, code=code, system=system)])
    assert found.state is AllergyState.NONE_KNOWN and found.items == ()
    assert found.label == "Aucune allergie connue"


def test_a_listed_allergy_wins_over_a_no_known_allergy_statement() -> None:
    found = reconcile([_row(1, "NKA", code="NKA"), _row(2, "Latex")])
    assert found.state is AllergyState.LISTED and [a.label for a in found.items] == ["Latex"]


def test_nothing_received_is_not_recorded() -> None:
    found = reconcile([])
    assert (found.state, found.label) == (AllergyState.NOT_RECORDED, "Allergies non renseignées")
