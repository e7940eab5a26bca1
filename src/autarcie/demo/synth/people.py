"""Patients: French identities with IPP, INS-NIR (test OID), identity status and their traps."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from autarcie.demo.synth.names import FOREIGN_BIRTHPLACES, Commune, NamePools

INS_TEST_OID = "1.2.250.1.213.1.4.10"
INS_TEST_SYSTEM = f"urn:oid:{INS_TEST_OID}"
VALIDATED_SHARE = 0.70


@dataclass(frozen=True, slots=True)
class Address:
    """A home address; the commune is real, the street is Faker's."""

    street: str
    commune: Commune


@dataclass(frozen=True, slots=True)
class Patient:
    """One identity record as the HIS holds it (an IPP); `ins` is set only for VALI."""

    ipp: str
    family: str  # nom d'usage
    birth_name: str  # nom de naissance
    given: str  # premier prénom
    given_list: str  # liste des prénoms de naissance
    sex: str  # F or M
    birth_date: dt.date
    birthplace: Commune
    address: Address
    phone: str
    ins: str | None  # 15 characters: NIR (13) + key (2), under the test OID
    statuses: tuple[str, ...]  # PID-32 repetitions, e.g. ("VALI", "CACH")
    duplicate_of: str | None = None  # IPP of the record this duplicate will be merged into
    wrong_ins: str | None = None  # a mistyped INS first sent, corrected later by A47

    @property
    def qualified(self) -> bool:
        """RNIV qualified identity: VALI with an INS (FR Core `QUAL`)."""
        return "VALI" in self.statuses and self.ins is not None

    @property
    def hidden(self) -> bool:
        """A hidden identity (PID-32 CACH): shown only to the patient's unit."""
        return "CACH" in self.statuses


def nir_key(nir13: str) -> str:
    """The two-digit NIR key: 97 - (NIR mod 97), Corsica 2A/2B read as 19/18."""
    numeric = nir13[:5] + nir13[5:7].replace("2A", "19").replace("2B", "18") + nir13[7:]
    return f"{97 - int(numeric) % 97:02d}"


def make_nir(sex: str, birth: dt.date, birthplace: Commune, order: int) -> str:
    """A 15-character NIR with its key, built from sex, birth month and birthplace."""
    body = (
        ("1" if sex == "M" else "2")
        + f"{birth.year % 100:02d}{birth.month:02d}"
        + birthplace.insee[:2]
        + birthplace.insee[2:]
        + f"{order % 1000:03d}"
    )
    return body + nir_key(body)


def format_ipp(number: int) -> str:
    """IPP as printed on wristbands: 9 digits."""
    return f"{number:09d}"


class PatientFactory:
    """Draws patients from the seeded pools; IPP numbers come from one counter."""

    def __init__(self, seed: int, pools: NamePools, reference: dt.date, first_ipp: int = 1):
        self._rng = random.Random(f"{seed}:people:{first_ipp}")  # noqa: S311 (synthetic data, not secrets)
        self._pools = pools
        self._reference = reference
        self._next_ipp = first_ipp

    def _ipp(self) -> str:
        ipp = format_ipp(self._next_ipp)
        self._next_ipp += 1
        return ipp

    def birth_date(self, min_age: int, max_age: int) -> dt.date:
        """A birth date giving an age in [min_age, max_age] at the reference date."""
        days = self._rng.randint(min_age * 365, max_age * 365 + 364)
        return self._reference - dt.timedelta(days=days)

    def new(self, min_age: int = 18, max_age: int = 95, sex: str | None = None) -> Patient:
        """A fresh patient: 70% VALI with INS, otherwise PROV without INS."""
        rng = self._rng
        pools = self._pools
        sex = sex or rng.choice("FM")
        given_pool = pools.given_f if sex == "F" else pools.given_m
        given = rng.choice(given_pool)
        second = rng.choice(given_pool)
        birth_name = rng.choice(pools.families)
        # Married women often use another name than their birth name.
        married = sex == "F" and min_age >= 18 and rng.random() < 0.35
        family = rng.choice(pools.families) if married else birth_name
        birth = self.birth_date(min_age, max_age)
        born_abroad = rng.random() < 0.08
        birthplace = rng.choice(FOREIGN_BIRTHPLACES if born_abroad else pools.communes)
        validated = rng.random() < VALIDATED_SHARE
        ins = make_nir(sex, birth, birthplace, rng.randrange(1, 1000)) if validated else None
        return Patient(
            ipp=self._ipp(),
            family=family,
            birth_name=birth_name,
            given=given,
            given_list=f"{given} {second}" if second != given else given,
            sex=sex,
            birth_date=birth,
            birthplace=birthplace,
            address=Address(rng.choice(pools.streets), rng.choice(pools.communes)),
            phone=f"0{rng.choice('67')}{rng.randrange(10**8):08d}",
            ins=ins,
            statuses=("VALI",) if validated else ("PROV",),
        )

    def look_alike(self, other: Patient) -> Patient:
        """A different person with the same names and birth date (an identity-vigilance trap)."""
        person = self.new(sex=other.sex)
        birthplace = self._rng.choice(
            [c for c in self._pools.communes if c.insee != other.birthplace.insee]
        )
        ins = make_nir(person.sex, other.birth_date, birthplace, self._rng.randrange(1, 1000))
        return replace(
            person,
            family=other.family,
            birth_name=other.birth_name,
            given=other.given,
            given_list=other.given_list,
            birth_date=other.birth_date,
            birthplace=birthplace,
            ins=ins if person.ins else None,
        )

    def duplicate(self, original: Patient) -> Patient:
        """A second IPP wrongly created for the same person, provisional, to be merged (A40)."""
        return replace(
            original,
            ipp=self._ipp(),
            given_list=original.given,
            ins=None,
            statuses=("PROV",),
            duplicate_of=original.ipp,
            wrong_ins=None,
        )

    def hide(self, patient: Patient) -> Patient:
        """The same patient with a hidden identity (PID-32 repeats with CACH)."""
        return replace(patient, statuses=(*patient.statuses, "CACH"))

    def with_wrong_ins(self, patient: Patient) -> Patient:
        """A validated patient whose INS was first mistyped (order digits), fixed by A47."""
        if patient.ins is None:
            return patient
        order = (int(patient.ins[10:13]) + 1) % 1000
        wrong = make_nir(patient.sex, patient.birth_date, patient.birthplace, order)
        return replace(patient, wrong_ins=wrong)
