"""Units and numbers as a French reader writes them: the one display table, mapping by mapping."""

from __future__ import annotations

import pytest

from autarcie.formats.ucum import display_value, french_number, french_range, unit_label


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("mm[Hg]", "mmHg"),
        ("g/L", "g/L"),
        ("umol/L", "µmol/L"),
        ("ug/L", "µg/L"),
        ("10*9/L", "10⁹/L"),
        ("10*12/L", "10¹²/L"),
        ("10*3/uL", "10³/µL"),
        ("{INR}", "INR"),
        ("{ratio}", ""),
        ("{cells}/uL", "/µL"),
        ("%", "%"),
        ("Cel", "°C"),
        ("U/L", "UI/L"),
        ("[iU]/L", "UI/L"),
        ("mL/min/{1.73_m2}", "mL/min/1,73 m²"),
        ("mmol/L", "mmol/L"),
        ("mmol/l", "mmol/l"),  # typed from paper: left as the person wrote it
    ],
)
def test_each_ucum_code_is_shown_as_people_write_it(code: str, shown: str) -> None:
    assert unit_label(code) == shown
    assert "{" not in unit_label(code) and "[" not in unit_label(code)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("12.5", "12,5"),
        ("<0.5", "<0,5"),
        ("-3.25", "-3,25"),
        ("0.5 mg", "0,5 mg"),
        ("12", "12"),
        ("positif", "positif"),
        ("1.2.3", "1.2.3"),
    ],
)
def test_decimal_numbers_are_shown_with_a_comma_and_other_text_unchanged(
    stored: str, shown: str
) -> None:
    assert french_number(stored) == shown


def test_a_value_with_its_unit_reads_as_written_by_hand() -> None:
    assert display_value("12.5", "umol/L") == "12,5 µmol/L"
    assert display_value("1.1", "{INR}") == "1,1 INR"
    assert display_value("0.9", "{ratio}") == "0,9"


def test_reference_ranges_are_shown_with_decimal_commas() -> None:
    assert french_range("3.5-5.0") == "3,5-5,0"
    assert french_range("< 0.5") == "< 0,5"
