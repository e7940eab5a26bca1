"""Code systems as FHIR URIs, and which units are UCUM: pure functions."""

from __future__ import annotations

import pytest

from autarcie.formats.codes import (
    ATC,
    CIM10,
    ICD10,
    LOINC,
    SNOMED,
    aliases,
    is_ucum,
    stored_system,
    system_uri,
)


@pytest.mark.parametrize(
    ("name", "oid", "uri"),
    [
        ("LN", "", LOINC),
        ("ln", "", LOINC),
        ("SCT", "", SNOMED),
        ("I10", "", ICD10),
        ("CIM10", "", CIM10),
        ("ATC", "", ATC),
        ("", "2.16.840.1.113883.6.1", LOINC),
        ("99LAB", "1.2.250.1.999.2", "urn:oid:1.2.250.1.999.2"),
        ("HL70078", "", "http://terminology.hl7.org/CodeSystem/v2-0078"),
        ("http://snomed.info/sct", "", SNOMED),
        ("urn:oid:2.16.840.1.113883.6.1", "", LOINC),
        ("L", "", ""),
        ("", "", ""),
    ],
)
def test_system_uri_of_hl7_names_oids_and_uris(name: str, oid: str, uri: str) -> None:
    assert system_uri(name, oid) == uri


def test_a_local_name_without_uri_is_stored_as_sent() -> None:
    assert stored_system("99LAB") == "99LAB"
    assert stored_system("LN") == LOINC


def test_aliases_find_rows_stored_with_the_hl7_name() -> None:
    assert {"LN", LOINC, "2.16.840.1.113883.6.1"} <= aliases(LOINC)
    assert aliases("L") == {"L"}


@pytest.mark.parametrize(
    "unit",
    [
        "mmol/L",
        "mg/dL",
        "%",
        "10*9/L",
        "U/L",
        "mm[Hg]",
        "/min",
        "{ratio}",
        "mL/min/{1.73_m2}",
        "kg/m2",
    ],
)
def test_ucum_units_are_recognised_without_a_system(unit: str) -> None:
    assert is_ucum(unit)


@pytest.mark.parametrize("unit", ["UI/L", "tera.l-1", "giga.l-1", "cp/mL", "mmHg", ""])
def test_other_units_are_not_ucum(unit: str) -> None:
    assert not is_ucum(unit)


def test_the_named_system_decides() -> None:
    assert is_ucum("mmol/L", "UCUM")
    assert not is_ucum("mmol/L", "L")  # a local table's code, however UCUM-looking
