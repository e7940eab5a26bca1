"""The RPU consistency rules, each with a passing and a failing case."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.recovery.rpu import (
    Ccmu,
    Destination,
    EntryMode,
    Orientation,
    RpuIssue,
    Severity,
    check_finess,
    check_header,
    check_in_file,
    check_passage,
    finess_key_is_valid,
)
from tests.recovery.rpu_samples import paris, passage, rpu_file


def codes(issues: list[RpuIssue]) -> list[tuple[str, str]]:
    return [(issue.element, issue.code) for issue in issues]


def test_consistent_passage_has_no_issue() -> None:
    assert check_passage(passage()) == []


EMPTYABLE = ["postcode", "town", "sex", "entry_mode", "provenance", "transport"]
EMPTYABLE += ["transport_care", "reason", "ccmu", "main_diagnosis", "exit_mode", "destination"]
EMPTYABLE += ["orientation"]


def test_every_item_may_be_empty() -> None:
    assert check_passage(passage(**dict.fromkeys(EMPTYABLE, ""), birth_date=None)) == []


def test_code_tables_iterate_as_code_and_french_label() -> None:
    assert EntryMode.choices() == (("6", "mutation"), ("7", "transfert"), ("8", "domicile"))
    assert [code for code, _ in Ccmu.choices()] == ["1", "P", "2", "3", "4", "5", "D"]
    assert str(Destination.HAD) == "6" and Destination.HAD.label == "HAD"
    assert "6" in Destination.codes() and Destination.label_of("5") is None
    assert len(Orientation.choices()) == 13


@pytest.mark.parametrize(("mode", "provenance"), [("6", "1"), ("7", "4"), ("8", "5"), ("8", "8")])
def test_entry_mode_accepts_its_provenances(mode: str, provenance: str) -> None:
    assert check_passage(passage(entry_mode=mode, provenance=provenance)) == []


@pytest.mark.parametrize(("mode", "provenance"), [("6", "5"), ("7", "8"), ("8", "1"), ("8", "4")])
def test_entry_mode_rejects_other_provenances(mode: str, provenance: str) -> None:
    issues = check_passage(passage(entry_mode=mode, provenance=provenance))
    assert codes(issues) == [("PROVENANCE", "provenance-mismatch")]
    assert issues[0].severity is Severity.ERROR


def test_home_entry_accepts_had_and_medico_social_provenance() -> None:
    assert check_passage(passage(entry_mode="8", provenance="6")) == []
    assert check_passage(passage(entry_mode="8", provenance="7")) == []


def test_transfer_from_had_is_only_a_warning() -> None:
    issues = check_passage(passage(entry_mode="7", provenance="6"))
    assert codes(issues) == [("PROVENANCE", "provenance-pmsi-pairing")]
    assert issues[0].severity is Severity.WARNING


def test_provenance_message_says_what_is_allowed() -> None:
    [issue] = check_passage(passage(entry_mode="6", provenance="8"))
    assert issue.message == (
        "Mode d'entrée 6 (mutation) : la provenance doit être 1 (MCO), 2 (SSR), 3 (SLD), "
        "4 (psychiatrie) ou vide, pas 8"
    )


@pytest.mark.parametrize(
    ("mode", "destination", "orientation"),
    [
        ("6", "1", "SI"),
        ("7", "4", "HDT"),
        ("6", "", ""),
        ("8", "6", ""),
        ("8", "", "PSA"),
        ("8", "7", "SCAM"),
        ("9", "", ""),
    ],
)
def test_exit_mode_accepts_its_destinations(mode: str, destination: str, orientation: str) -> None:
    p = passage(exit_mode=mode, destination=destination, orientation=orientation)
    assert check_passage(p) == []


def test_home_exit_rejects_hospital_destination_with_a_clear_message() -> None:
    [issue] = check_passage(passage(exit_mode="8", destination="1", orientation=""))
    assert (issue.element, issue.code) == ("DESTINATION", "destination-mismatch")
    assert issue.message == (
        "Mode de sortie 8 (domicile) : la destination doit être 6 (HAD), 7 (médico-social) "
        "ou vide, pas 1"
    )


def test_hospital_exit_rejects_home_destination_and_orientation() -> None:
    issues = check_passage(passage(exit_mode="6", destination="7", orientation="FUGUE"))
    assert codes(issues) == [
        ("DESTINATION", "destination-mismatch"),
        ("ORIENT", "orientation-mismatch"),
    ]


def test_home_exit_rejects_hospital_orientation() -> None:
    issues = check_passage(passage(exit_mode="8", destination="", orientation="REA"))
    assert codes(issues) == [("ORIENT", "orientation-mismatch")]
    assert "FUGUE" in issues[0].message and "ou vide" in issues[0].message


def test_death_requires_empty_destination_and_orientation() -> None:
    issues = check_passage(passage(exit_mode="9", destination="1", orientation="REA"))
    assert codes(issues) == [
        ("DESTINATION", "destination-mismatch"),
        ("ORIENT", "orientation-mismatch"),
    ]
    assert issues[0].message.endswith("la destination doit être vide, pas 1")


def test_unknown_code_names_the_allowed_values() -> None:
    issues = check_passage(passage(ccmu="7", transport="TAXI"))
    assert codes(issues) == [("TRANSPORT", "unknown-code"), ("GRAVITE", "unknown-code")]
    assert "1 (état stable" in issues[1].message and "D (décédé à l'arrivée)" in issues[1].message


def test_unknown_destination_is_reported_once() -> None:
    issues = check_passage(passage(exit_mode="8", destination="5", orientation=""))
    assert codes(issues) == [("DESTINATION", "unknown-code")]


def test_exit_may_not_precede_entry() -> None:
    assert check_passage(passage(exit=paris(15, 2, 14))) == []
    issues = check_passage(passage(exit=paris(15, 1, 0)))
    assert codes(issues) == [("SORTIE", "exit-before-entry")]
    assert "15/01/2025 01:00" in issues[0].message


def test_birth_may_not_follow_entry() -> None:
    issues = check_passage(passage(birth_date=dt.date(2025, 1, 16)))
    assert codes(issues) == [("NAISSANCE", "birth-after-entry")]


def test_dead_on_arrival_expects_death_exit() -> None:
    assert check_passage(passage(ccmu="D", exit_mode="9", destination="", orientation="")) == []
    issues = check_passage(passage(ccmu="D"))
    assert codes(issues) == [("MODE_SORTIE", "dead-on-arrival-exit")]
    assert issues[0].severity is Severity.WARNING


@pytest.mark.parametrize("postcode", ["35000", "99999", "35999", "99109", "20999", "2A999"])
def test_postcode_shapes_accepted(postcode: str) -> None:
    assert check_passage(passage(postcode=postcode)) == []


@pytest.mark.parametrize("postcode", ["3500", "350000", "35 00", "ABCDE"])
def test_postcode_shapes_rejected(postcode: str) -> None:
    assert codes(check_passage(passage(postcode=postcode))) == [("CP", "postcode-format")]


@pytest.mark.parametrize("code", ["K56.6", "S636", "R51", "I214", "T12+0"])
def test_cim10_with_or_without_dot_accepted(code: str) -> None:
    assert check_passage(passage(main_diagnosis=code, other_diagnoses=(code,))) == []


@pytest.mark.parametrize("code", ["56.6", "K5", "k566", "KK566"])
def test_cim10_bad_shapes_rejected(code: str) -> None:
    issues = check_passage(passage(main_diagnosis=code, other_diagnoses=(code,)))
    assert codes(issues) == [("DP", "cim10-format"), ("DA", "cim10-format")]


def test_ccam_shape() -> None:
    assert check_passage(passage(procedures=("DEQP003", "QZJA002-1"))) == []
    issues = check_passage(passage(procedures=("DEQP03", "12345678")))
    assert codes(issues) == [("ACTE", "ccam-format"), ("ACTE", "ccam-format")]


def test_free_text_reason_is_a_warning() -> None:
    [issue] = check_passage(passage(reason="douleur thoracique"))
    assert (issue.code, issue.severity) == ("reason-free-text", Severity.WARNING)


@pytest.mark.parametrize("finess", ["750712184", "350005179", "690781810"])
def test_published_finess_numbers_pass_the_luhn_key(finess: str) -> None:
    assert finess_key_is_valid(finess) is True
    assert check_finess(finess) == []


def test_finess_with_a_wrong_key_is_an_error() -> None:
    assert codes(check_finess("750712185")) == [("FINESS", "finess-key")]
    assert codes(check_finess("999999999")) == [("FINESS", "finess-key")]


def test_finess_shape() -> None:
    assert codes(check_finess("75071218")) == [("FINESS", "finess-format")]
    assert codes(check_finess("7507121845")) == [("FINESS", "finess-format")]
    # Corsican numbers: shape only, the key rule for the letters is not published.
    assert check_finess("2A0000014") == []


def test_header_checks() -> None:
    assert check_header(rpu_file(passage())) == []
    bad = rpu_file(order="X", extract=None, start=dt.date(2025, 1, 16))
    assert codes(check_header(bad)) == [
        ("ORDRE", "order-format"),
        ("EXTRACT", "missing"),
        ("DATEFIN", "window-reversed"),
        ("PASSAGES", "no-passage"),
    ]


def test_entry_must_fall_in_the_file_window_and_before_extraction() -> None:
    f = rpu_file()
    assert check_in_file(passage(), f) == []
    late = passage(entry=paris(16, 4), exit=None)
    assert codes(check_in_file(late, f)) == [
        ("ENTREE", "entry-outside-window"),
        ("ENTREE", "entry-after-extract"),
    ]
    # 00:30 Paris on the 15th is still the 14th in UTC: the day is the Paris day.
    assert check_in_file(passage(entry=paris(15, 0, 30)), f) == []
