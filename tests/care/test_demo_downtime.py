"""``demo downtime``: a frozen mirror and a day of care recorded through the care actions."""

from __future__ import annotations

import pytest

from autarcie.care.models import BedReport, CareEntry, CriticalUnit, StockEntry, TempPatient
from autarcie.chart import queries
from autarcie.cli import build_parser
from autarcie.core.errors import ConfigurationError
from autarcie.core.journal import Action, record, verify
from autarcie.demo.downtime import run_downtime
from autarcie.demo.instance import create_units
from autarcie.mirror.state import is_frozen
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import feed

CARDIOLOGY = "1070"  # the eighth unit template of the synthetic hospital


def test_demo_downtime_is_refused_outside_a_demo(db: None) -> None:
    with pytest.raises(ConfigurationError, match="no demo hospital"):
        run_downtime(hours=1)


def test_demo_downtime_freezes_the_mirror_and_fills_every_screen(db: None) -> None:
    create_units(seed=1, beds=60)
    record(Action.DEMO_BUILT, actor="system:demo", details={"beds": 60, "seed": 1})
    feed([adt("A01", "D1", ipp="P9", nda="N9", unit=CARDIOLOGY, room="101", bed="1")])
    report = run_downtime(hours=2)
    assert is_frozen()
    assert report.counts["temporary admissions"] == 4
    assert TempPatient.objects.count() == 4
    kinds = set(CareEntry.objects.values_list("kind", flat=True))
    assert {"identity", "movement", "passage", "vitals", "result", "note"} <= kinds
    assert StockEntry.objects.filter(location="PUI").exists()
    assert BedReport.objects.count() == CriticalUnit.objects.count() > 0
    emergency = queries.census("1000")  # the last hour's arrivals are still there
    assert len(emergency) == 2
    assert all(r.origin == "saisie mode dégradé" and r.tempid for r in emergency)
    assert verify().ok


def test_the_demo_command_still_builds_and_accepts_downtime() -> None:
    parser = build_parser()
    assert parser.parse_args(["demo", "--no-serve"]).action is None
    args = parser.parse_args(["demo", "downtime", "--hours", "2", "--data-dir", "x"])
    assert (args.action, args.hours) == ("downtime", 2)
