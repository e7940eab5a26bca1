"""UCUM units and decimal numbers as a French reader writes them (the stored value stays as sent).

Laboratories send UCUM codes (``mm[Hg]``, ``umol/L``, ``10*9/L``, ``{ratio}``), written for
machines; a nurse reading ``10*9/L`` at 3 a.m. should see ``10⁹/L``. Every screen and sheet
that shows a unit to a person goes through ``unit_label``; every number shown goes through
``french_number``. Neither changes what is stored or exported.
"""

from __future__ import annotations

import re

# Whole codes that do not follow the general rules below, or read better another way.
_WHOLE: dict[str, str] = {
    "mm[Hg]": "mmHg",
    "cm[H2O]": "cmH₂O",
    "[in_i]": "pouce",
    "Cel": "°C",
    "[degF]": "°F",
    "/min": "/min",
    "{beats}/min": "/min",
    "{breaths}/min": "/min",
    "[iU]": "UI",
    "[IU]": "UI",
    "[iU]/L": "UI/L",
    "[IU]/L": "UI/L",
    "[iU]/mL": "UI/mL",
    "[IU]/mL": "UI/mL",
    "m[iU]/L": "mUI/L",
    "m[IU]/L": "mUI/L",
    "u[iU]/mL": "µUI/mL",
    "U": "UI",
    "U/L": "UI/L",
    "{INR}": "INR",
    "{ratio}": "",
    "{score}": "",
    "{count}": "",
    "1": "",
    "%": "%",
    "[pH]": "",
    "mL/min/{1.73_m2}": "mL/min/1,73 m²",
    "mL/min/1.73m2": "mL/min/1,73 m²",
    "kg/m2": "kg/m²",
    "m2": "m²",
    "fL": "fL",
    "pg": "pg",
    "s": "s",
    "h": "h",
    "min": "min",
    "d": "j",
}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_POWER = re.compile(r"10\*(-?\d+)|10\^(-?\d+)")
_ANNOTATION = re.compile(r"\{[^}]*\}")
# A number, maybe after a comparator and before a unit: "<0.5", "12.5", "0.5 mg".
_DECIMAL = re.compile(r"^([<>≤≥]?=?\s*-?\d+)\.(\d+)(\s+\S.*|[A-Za-zµ%/].*)?$")


def unit_label(code: str) -> str:
    """A UCUM code as written by hand: ``umol/L`` -> ``µmol/L``, ``10*9/L`` -> ``10⁹/L``.

    Text that is not UCUM (a unit typed from a paper result) comes back unchanged.
    """
    text = code.strip()
    if text in _WHOLE:
        return _WHOLE[text]
    text = _POWER.sub(lambda m: "10" + (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), text)
    # An annotation ({cells}, {RBC}) is a comment for machines: the reader needs the unit.
    text = _ANNOTATION.sub("", text).replace("[", "").replace("]", "")
    if text.startswith("u") and len(text) > 1 and text[1].isalpha():
        text = "µ" + text[1:]  # micro: umol/L, ug/L, uL
    text = text.replace("/u", "/µ")
    return text.strip() or ""


def french_number(text: str) -> str:
    """A decimal number with a comma (12.5 -> 12,5, 0.5 mg -> 0,5 mg); other text unchanged."""
    found = _DECIMAL.match(text.strip())
    if found is None:
        return text
    return f"{found.group(1)},{found.group(2)}{found.group(3) or ''}"


_POINT_IN_NUMBER = re.compile(r"(?<=\d)\.(?=\d)")


def french_range(text: str) -> str:
    """A reference range with its decimal commas: "3.5-5.0" -> "3,5-5,0"."""
    return _POINT_IN_NUMBER.sub(",", text)


def display_value(value: str, unit: str) -> str:
    """A value and its unit as a person reads them: "12,5 µmol/L"."""
    return f"{french_number(value)} {unit_label(unit)}".strip()
