"""The fictitious hospital: establishment, poles, functional units, rooms, beds and doctors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from autarcie.demo.synth.names import NamePools

UnitKind = Literal[
    "emergency",
    "icu",
    "continuing_care",
    "medicine",
    "surgery",
    "maternity",
    "paediatrics",
    "geriatrics",
    "psychiatry",
    "other",
]

# (code suffix, label, pole, kind, ROR TRE_R244 category, bed weight, beds per room, mean LOS days)
# Weights are shares of the hospital's beds; ED boxes are not beds, hence weight 0.
_UNIT_TEMPLATES: tuple[tuple[str, str, str, UnitKind, str | None, float, int, float], ...] = (
    ("URG", "Urgences adultes", "Urgences", "emergency", None, 0.0, 1, 0.2),
    ("URP", "Urgences pédiatriques", "Urgences", "emergency", None, 0.0, 1, 0.2),
    ("UHC", "UHCD", "Urgences", "emergency", None, 1.6, 1, 1.0),
    ("REA", "Réanimation polyvalente", "Réanimation", "icu", "121", 2.2, 1, 7.0),
    ("RCH", "Réanimation chirurgicale", "Réanimation", "icu", "121", 1.4, 1, 6.0),
    ("USP", "USIP", "Réanimation", "icu", "122", 1.2, 1, 4.0),
    ("USC", "Surveillance continue", "Réanimation", "continuing_care", "254", 1.4, 1, 3.0),
    ("CAR", "Cardiologie", "Cardiologie", "medicine", None, 4.5, 2, 5.0),
    ("UIC", "USIC", "Cardiologie", "icu", "262", 1.4, 1, 3.0),
    ("RYT", "Rythmologie", "Cardiologie", "medicine", None, 1.8, 2, 3.0),
    ("PNE", "Pneumologie", "Pneumologie", "medicine", None, 4.0, 2, 7.0),
    ("URS", "USI respiratoire", "Pneumologie", "icu", "124", 0.9, 1, 4.0),
    ("NEU", "Neurologie", "Neurosciences", "medicine", None, 3.0, 2, 7.0),
    ("UNV", "USINV", "Neurosciences", "icu", "263", 1.0, 1, 3.0),
    ("HEM", "Hématologie", "Médecine", "medicine", None, 2.2, 1, 10.0),
    ("UIH", "USIH", "Médecine", "icu", "264", 0.8, 1, 12.0),
    ("MIN", "Médecine interne", "Médecine", "medicine", None, 4.2, 2, 8.0),
    ("GAS", "Hépato-gastro-entérologie", "Médecine", "medicine", None, 3.2, 2, 6.0),
    ("NEP", "Néphrologie", "Médecine", "medicine", None, 2.2, 2, 6.0),
    ("INF", "Maladies infectieuses", "Médecine", "medicine", None, 2.0, 1, 8.0),
    ("ONC", "Oncologie médicale", "Médecine", "medicine", None, 3.0, 1, 6.0),
    ("CVI", "Chirurgie viscérale", "Chirurgie", "surgery", None, 4.0, 2, 5.0),
    ("ORT", "Orthopédie traumatologie", "Chirurgie", "surgery", None, 4.5, 2, 5.0),
    ("CVA", "Chirurgie vasculaire", "Chirurgie", "surgery", None, 2.0, 2, 5.0),
    ("URO", "Urologie", "Chirurgie", "surgery", None, 2.2, 2, 4.0),
    ("NCH", "Neurochirurgie", "Chirurgie", "surgery", None, 2.0, 2, 7.0),
    ("AMB", "Chirurgie ambulatoire", "Chirurgie", "surgery", None, 1.8, 2, 0.5),
    ("MAT", "Maternité suites de couches", "Femme-enfant", "maternity", None, 4.0, 1, 3.5),
    ("GYN", "Gynécologie", "Femme-enfant", "maternity", None, 1.6, 2, 3.0),
    ("PED", "Pédiatrie", "Femme-enfant", "paediatrics", None, 3.2, 1, 3.0),
    ("NEO", "Néonatologie", "Femme-enfant", "paediatrics", None, 1.8, 1, 10.0),
    (
        "SCP",
        "Surveillance continue pédiatrique",
        "Femme-enfant",
        "continuing_care",
        "254",
        0.8,
        1,
        3.0,
    ),
    ("GER", "Court séjour gériatrique", "Gériatrie", "geriatrics", None, 4.5, 2, 12.0),
    ("SMR", "SMR gériatrique", "Gériatrie", "geriatrics", None, 5.0, 2, 25.0),
    ("USL", "USLD", "Gériatrie", "geriatrics", None, 4.0, 2, 200.0),
    ("PS1", "Psychiatrie adulte secteur 1", "Psychiatrie", "psychiatry", None, 3.5, 1, 30.0),
    ("PS2", "Psychiatrie adulte secteur 2", "Psychiatrie", "psychiatry", None, 3.5, 1, 30.0),
    ("PSI", "Psychiatrie soins intensifs", "Psychiatrie", "psychiatry", None, 1.0, 1, 10.0),
    ("PAL", "Soins palliatifs", "Médecine", "other", None, 1.2, 1, 15.0),
)

_SPECIALTIES: dict[UnitKind, str] = {
    "emergency": "Médecine d'urgence",
    "icu": "Anesthésie-réanimation",
    "continuing_care": "Anesthésie-réanimation",
    "medicine": "Médecine interne",
    "surgery": "Chirurgie générale",
    "maternity": "Gynécologie-obstétrique",
    "paediatrics": "Pédiatrie",
    "geriatrics": "Gériatrie",
    "psychiatry": "Psychiatrie",
    "other": "Médecine générale",
}


@dataclass(frozen=True, slots=True)
class Room:
    """A room of a unit and the bed codes it holds."""

    number: str
    beds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unit:
    """A functional unit (UF): the unit of care, of bed count and of access scope."""

    code: str
    label: str
    pole: str
    beds: int
    kind: UnitKind
    ror_category: str | None
    rooms: tuple[Room, ...]
    mean_stay_days: float

    def bed_keys(self) -> list[tuple[str, str, str]]:
        """Every bed of the unit as (unit code, room, bed)."""
        return [(self.code, room.number, bed) for room in self.rooms for bed in room.beds]


@dataclass(frozen=True, slots=True)
class Practitioner:
    """A hospital doctor; the RPPS-like number is synthetic (prefix 99, not an RPPS)."""

    rpps: str
    family: str
    given: str
    specialty: str
    unit_code: str


@dataclass(frozen=True, slots=True)
class Hospital:
    """The whole establishment, built deterministically from a seed and a bed count."""

    finess: str
    name: str
    city: str
    postcode: str
    sending_application: str
    units: tuple[Unit, ...]
    practitioners: tuple[Practitioner, ...]

    @property
    def authority(self) -> str:
        """The PAM FR assigning authority of IPP and NDA (`name&FINESS&M`)."""
        return f"{self.sending_application}&{self.finess}&M"

    def unit(self, code: str) -> Unit:
        """The unit with this code."""
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)

    def doctors_of(self, unit_code: str) -> list[Practitioner]:
        """The doctors attached to a unit."""
        return [p for p in self.practitioners if p.unit_code == unit_code]


def luhn_key(digits: str) -> str:
    """The Luhn check digit, as FINESS numbers use for their ninth character."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def _split_beds(beds: int) -> list[int]:
    """Share `beds` among the templates by weight; the total is exact."""
    weights = [template[5] for template in _UNIT_TEMPLATES]
    total_weight = sum(weights)
    raw = [beds * weight / total_weight for weight in weights]
    counts = [int(value) for value in raw]
    # Largest remainders get the beds lost to rounding, so the sum is exactly `beds`.
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for index in order[: beds - sum(counts)]:
        counts[index] += 1
    return counts


def _rooms(floor: int, beds: int, per_room: int) -> tuple[Room, ...]:
    rooms: list[Room] = []
    remaining = beds
    number = 1
    while remaining > 0:
        size = min(per_room, remaining)
        bed_codes = tuple(str(b + 1) for b in range(size))
        rooms.append(Room(number=f"{floor}{number:02d}", beds=bed_codes))
        remaining -= size
        number += 1
    return tuple(rooms)


def build_units(beds: int) -> tuple[Unit, ...]:
    """The functional units for a hospital of `beds` beds (codes are stable across sizes)."""
    units: list[Unit] = []
    for index, (template, count) in enumerate(zip(_UNIT_TEMPLATES, _split_beds(beds), strict=True)):
        suffix, label, pole, kind, ror, _weight, per_room, los = template
        units.append(
            Unit(
                code=f"{1000 + 10 * index}",
                label=label,
                pole=pole,
                beds=count,
                kind=kind,
                ror_category=ror,
                rooms=_rooms(index + 1, count, per_room),
                mean_stay_days=los,
            )
        )
        del suffix  # the suffix only documents the template line
    return tuple(units)


def build_hospital(seed: int, beds: int = 869) -> Hospital:
    """The deterministic hospital for `seed`: same seed and bed count, same hospital."""
    if beds < 20:
        raise ValueError("a hospital needs at least 20 beds to hold every unit kind")
    rng = random.Random(f"{seed}:hospital")  # noqa: S311 (synthetic data, not secrets)
    # Department 99 does not exist, so the FINESS cannot collide with a real establishment.
    body = f"99{rng.randrange(0, 1_000_000):06d}"
    finess = body + luhn_key(body)
    units = build_units(beds)
    pools = NamePools.build(seed)
    practitioners: list[Practitioner] = []
    for unit in units:
        for _ in range(max(2, unit.beds // 8)):
            number = len(practitioners) + 1
            practitioners.append(
                Practitioner(
                    rpps=f"99{seed % 1000:03d}{number:06d}",
                    family=rng.choice(pools.families),
                    given=rng.choice(pools.given_f + pools.given_m),
                    specialty=_SPECIALTIES[unit.kind],
                    unit_code=unit.code,
                )
            )
    city = rng.choice(pools.communes)
    return Hospital(
        finess=finess,
        name=f"Centre hospitalier fictif de {city.name.title()}",
        city=city.name,
        postcode=city.postcode,
        sending_application="AUTARCIE_SYNTH",
        units=units,
        practitioners=tuple(practitioners),
    )
