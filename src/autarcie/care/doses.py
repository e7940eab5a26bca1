"""Doses as written by hand ("1 g", "4000 UI", "2,5 mg"): parsing and the checks that warn.

Pure functions: no database. A dose is compared with its prescription on two points, the unit
and the amount (more than the configured factor times the prescribed dose); either one is a
warning the nurse may confirm, never a silent refusal (a loading dose exists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# A number as written in French: "4 000" (thousands apart), "2,5" or "2.5".
_NUMBER = r"(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?"
_DOSE = re.compile(rf"^\s*({_NUMBER})(?:\s*(?:-|à|a)\s*({_NUMBER}))?\s*(.*?)\s*$", re.IGNORECASE)

# Spellings of one unit, lower case, to the one shown; UCUM codes of the mirror included.
_ALIASES = {
    "g": "g",
    "gr": "g",
    "gramme": "g",
    "mg": "mg",
    "milligramme": "mg",
    "µg": "µg",
    "μg": "µg",
    "ug": "µg",
    "mcg": "µg",
    "microgramme": "µg",
    "ng": "ng",
    "ui": "UI",
    "iu": "UI",
    "[iu]": "UI",
    "u": "UI",
    "unite": "UI",
    "unité": "UI",
    "ml": "mL",
    "l": "L",
    "kg": "kg",
    "min": "min",
    "h": "h",
    "{comprime}": "comprimé",
    "cp": "comprimé",
    "cpr": "comprimé",
    "comprime": "comprimé",
    "comprimé": "comprimé",
    "{gelule}": "gélule",
    "gel": "gélule",
    "gelule": "gélule",
    "gélule": "gélule",
    "{inhalation}": "inhalation",
    "bouffee": "inhalation",
    "bouffée": "inhalation",
    "inhalation": "inhalation",
    "amp": "ampoule",
    "ampoule": "ampoule",
    "goutte": "goutte",
    "gtte": "goutte",
    "sachet": "sachet",
}
# Units of one kind, in a common base, so that 1 g and 1000 mg compare.
_SCALE = {
    "kg": Decimal(10) ** 12,
    "g": Decimal(10) ** 9,
    "mg": Decimal(10) ** 6,
    "µg": Decimal(10) ** 3,
    "ng": Decimal(1),
    "L": Decimal(1000),
    "mL": Decimal(1),
}
_KIND = {
    "kg": "mass",
    "g": "mass",
    "mg": "mass",
    "µg": "mass",
    "ng": "mass",
    "L": "vol",
    "mL": "vol",
}


@dataclass(frozen=True)
class Dose:
    amount: Decimal  # the upper bound of a range ("1 à 2 g": 2)
    unit: str  # normalised ("" when none was written)
    text: str  # as written

    def base(self) -> Decimal | None:
        """The amount in the unit kind's base unit, when the unit has one."""
        scale = _SCALE.get(self.unit)
        return None if scale is None else self.amount * scale


def _unit_word(word: str) -> str:
    word = word.strip().strip(".").lower()
    if word in _ALIASES:
        return _ALIASES[word]
    if word.endswith("s") and word[:-1] in _ALIASES:  # plural: comprimés, gélules
        return _ALIASES[word[:-1]]
    return word


def normalise_unit(text: str) -> str:
    """ "mg/kg/h" stays a rate of its parts; "[iU]" and "UI" are one unit."""
    parts = [_unit_word(p) for p in re.sub(r"\s+", "", text).split("/")]
    return "/".join(parts)


def parse_dose(text: str) -> Dose | None:
    """The dose of a free text, or None when it does not start with a number."""
    found = _DOSE.match(text or "")
    if found is None:
        return None
    low, high, unit = found.groups()
    try:
        amount = Decimal(re.sub(r"\s", "", high or low).replace(",", "."))
    except InvalidOperation:
        return None
    return Dose(amount, normalise_unit(unit) if unit else "", text.strip())


def _same_kind(a: Dose, b: Dose) -> bool:
    kind = _KIND.get(a.unit)
    return kind is not None and kind == _KIND.get(b.unit)


def dose_warnings(given_text: str, prescribed_text: str, factor: int) -> list[str]:
    """French warnings about a given dose against the prescribed one; none when all agrees.

    A dose that cannot be read as a number and a unit is not judged: the check is there for the
    slips it can see (a unit changed, a decimal point lost), not to refuse free text.
    """
    given, prescribed = parse_dose(given_text), parse_dose(prescribed_text)
    if given is None or prescribed is None:
        return []
    warnings = []
    if given.unit != prescribed.unit:
        warnings.append(
            f"Dose : l'unité « {given.unit or 'aucune'} » ne correspond pas à celle de la "
            f"prescription (« {prescribed.unit or 'aucune'} », prescrit {prescribed.text})."
        )
    if given.unit == prescribed.unit:
        ratio_given, ratio_prescribed = given.amount, prescribed.amount
    elif _same_kind(given, prescribed):
        ratio_given, ratio_prescribed = given.base() or Decimal(0), prescribed.base() or Decimal(1)
    else:
        return warnings
    if ratio_prescribed > 0 and ratio_given > ratio_prescribed * factor:
        warnings.append(
            f"Dose : {given.text}, plus de {factor} fois la dose prescrite ({prescribed.text})."
        )
    return warnings
