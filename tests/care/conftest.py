"""Care tests run on the small ward, with a block of temporary identifiers and more personas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from autarcie.core import clock
from autarcie.core.clock import FrozenClock
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.core.tempids import allocate_block
from tests.factories import make_user
from tests.wards import Ward, build_ward

NOW = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)


@dataclass
class CareWard:
    ward: Ward
    physician: User
    pharmacist: User
    secretary: User
    tempids: list[str]


def build_care_ward() -> CareWard:
    ward = build_ward()
    block = allocate_block(actor="system:test", holder_type="unit", holder_id="2010", size=20)
    return CareWard(
        ward=ward,
        physician=make_user("dr.cardio", Role.PHYSICIAN, units=[ward.cardio]),
        pharmacist=make_user("pharma", Role.PHARMACIST, all_units=True),
        secretary=make_user("secr.cardio", Role.SECRETARY, units=[ward.cardio]),
        tempids=block.identifiers(),
    )


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    fixed = FrozenClock(NOW)
    previous = clock.install(fixed)
    yield fixed
    clock.install(previous)


@pytest.fixture
def care(db: None, frozen_clock: FrozenClock) -> CareWard:
    return build_care_ward()


IDENTITY = {
    "birth_family": "NOUVEAU",
    "given": "Jules",
    "birth_date": "1980-05-04",
    "sex": "M",
    "birthplace": "Rennes",
}


@pytest.fixture
def care_live(db: None) -> CareWard:
    """The ward on the real clock, for tests that log in through the screens."""
    return build_care_ward()
