"""A recorded downtime to hand back: the demo's own downtime day on a small synthetic hospital."""

from __future__ import annotations

import pytest

from autarcie.care import actions
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.queries import Subject
from autarcie.core.journal import Action, record
from autarcie.demo.downtime import run_downtime
from autarcie.demo.instance import create_units
from autarcie.mirror.models import Patient
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import feed

CARDIOLOGY = "1070"  # the eighth unit template of the synthetic hospital
FINESS = "350005179"


def record_downtime(hours: int = 3) -> None:
    create_units(seed=1, beds=60)
    record(Action.DEMO_BUILT, actor="system:test", details={"beds": 60, "seed": 1})
    feed(
        [
            adt(
                "A01",
                "D1",
                ipp="P9",
                nda="N9",
                family="DURAND",
                given="LUCIE",
                birth="19700405",
                unit=CARDIOLOGY,
                room="101",
                bed="1",
            ),
            adt(
                "A01",
                "D2",
                ipp="P8",
                nda="N8",
                family="ROBERT",
                given="ANDRE",
                sex="M",
                birth="19480101",
                unit=CARDIOLOGY,
                room="102",
                bed="1",
            ),
        ]
    )
    run_downtime(hours=hours)
    subject = Subject(patient=Patient.objects.get(ipp="P9"))
    order = actions.record_entry(
        actor="system:test",
        subject=subject,
        kind=EntryKind.PRESCRIPTION,
        data={"drug_label": "Paracétamol 1 g", "dose": "1 g", "route": "PO", "frequency": "3/j"},
    )
    actions.record_entry(
        actor="system:test",
        subject=subject,
        kind=EntryKind.ADMINISTRATION,
        data={"prescription": f"care:{order.chain}", "status": "given", "dose": "1 g"},
    )


def first_entry(kind: str) -> CareEntry:
    return CareEntry.objects.filter(kind=kind).order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def downtime(db: None, settings: pytest.FixtureRequest) -> None:
    settings.FINESS = FINESS  # type: ignore[attr-defined]
    record_downtime()


def reconcile_all_as_new() -> None:
    """The admissions office decides every temporary identity is a new patient."""
    from autarcie.care.models import TempPatient
    from autarcie.core.roles import Role
    from autarcie.recovery.actions import confirm_link, propose_link
    from tests.factories import make_user

    first = make_user("adm.first", Role.SECRETARY, all_units=True)
    second = make_user("adm.second", Role.SECRETARY, all_units=True)
    for temp in TempPatient.objects.all():
        confirm_link(actor=second, link=propose_link(actor=first, temp=temp, patient=None))
