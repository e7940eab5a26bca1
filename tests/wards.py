"""A small ward for viewer and browser tests: two units, patients fed through the real HL7
ingest."""

from __future__ import annotations

from dataclasses import dataclass

from autarcie.core.models import Unit, User
from autarcie.core.roles import Role, UnitKind
from autarcie.mirror.models import Patient
from tests.factories import make_unit, make_user
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed


@dataclass
class Ward:
    cardio: Unit
    pneumo: Unit
    nurse: User
    other_nurse: User
    auditor: User
    lefevre: Patient
    martin: Patient
    hidden: Patient


def build_ward() -> Ward:
    cardio = make_unit("2010", UnitKind.MEDICINE, "Cardiologie")
    pneumo = make_unit("2020", UnitKind.MEDICINE, "Pneumologie")
    feed(
        [
            adt(
                "A01",
                "C1",
                ipp="P1",
                nda="N1",
                family="LEFÈVRE",
                given="MARIE",
                birth="19500312",
                unit="2010",
                room="12",
                bed="1",
                movement="M1",
            ),
            adt(
                "A01",
                "C2",
                ipp="P2",
                nda="N2",
                family="MARTIN",
                given="PAUL",
                birth="19621103",
                sex="M",
                unit="2020",
                room="05",
                bed="2",
                movement="M2",
            ),
            adt(
                "A01",
                "C3",
                ipp="P3",
                nda="N3",
                family="SECRET",
                given="ANNE",
                statuses="PROV~CACH",
                unit="2020",
                room="07",
                bed="1",
                movement="M3",
            ),
        ],
        at=T0,
    )
    return Ward(
        cardio=cardio,
        pneumo=pneumo,
        nurse=make_user("ide.cardio", Role.NURSE, units=[cardio]),
        other_nurse=make_user("ide.pneumo", Role.NURSE, units=[pneumo]),
        auditor=make_user("audit", Role.AUDITOR, all_units=True),
        lefevre=Patient.objects.get(ipp="P1"),
        martin=Patient.objects.get(ipp="P2"),
        hidden=Patient.objects.get(ipp="P3"),
    )
