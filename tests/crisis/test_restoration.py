"""The restoration planner on the synthetic hospital's inventory and on broken inventories."""

from __future__ import annotations

import pytest

from autarcie.crisis import restoration
from autarcie.demo.synth.inventory import build_inventory, inventory_csv

HEADER = "kind,id,name,category,priority,care_processes,depends_on\n"


def _plan(text: str) -> dict[str, restoration.Placement]:
    inventory = restoration.read_inventory(text)
    assert inventory.errors == []
    return {p.ident: p for p in restoration.compute_waves(inventory)}


def test_synthetic_inventory_plans_every_server_and_application_after_its_dependencies() -> None:
    text = inventory_csv(build_inventory(3, 200))
    inventory = restoration.read_inventory(text)
    placements = {p.ident: p for p in restoration.compute_waves(inventory)}
    rows = {r.ident: r for r in inventory.rows}
    assert len(placements) == sum(1 for r in inventory.rows if r.kind != "account")
    for ident, placement in placements.items():
        for dep in rows[ident].depends_on:
            assert placements[dep].wave <= placement.wave, (ident, dep)
            if placements[dep].priority == placement.priority:
                assert placements[dep].wave < placement.wave


def test_patient_record_and_its_servers_come_before_billing() -> None:
    text = HEADER + "\n".join(
        [
            "server,SRV-1,srv1,server,0,,",
            "server,SRV-2,srv2,server,0,,",
            "application,APP-1,DPI,clinical,1,dossier patient,SRV-1",
            "application,APP-2,Facturation,administrative,3,facturation,SRV-2",
        ]
    )
    plan = _plan(text)
    assert plan["SRV-1"].wave < plan["APP-1"].wave < plan["SRV-2"].wave < plan["APP-2"].wave
    assert "requis par APP-1" in plan["SRV-1"].reason
    assert "dossier patient" in plan["APP-1"].reason


def test_lower_priority_dependency_is_pulled_forward_and_reported() -> None:
    text = (
        HEADER + "application,APP-1,Annexe,clinical,3,,\napplication,APP-2,DPI,clinical,1,,APP-1\n"
    )
    inventory = restoration.read_inventory(text)
    assert [(w.line, "APP-1" in w.message) for w in inventory.warnings] == [(3, True)]
    plan = {p.ident: p for p in restoration.compute_waves(inventory)}
    assert plan["APP-1"].priority == 1
    assert plan["APP-1"].wave < plan["APP-2"].wave


def test_unknown_reference_is_reported_with_its_line() -> None:
    inventory = restoration.read_inventory(HEADER + "application,APP-1,DPI,clinical,1,,SRV-9\n")
    assert [str(e) for e in inventory.errors] == ["ligne 2 : APP-1 dépend de SRV-9, inconnu"]
    with pytest.raises(ValueError, match="errors"):
        restoration.compute_waves(inventory)


def test_dependency_cycle_is_reported_with_its_lines() -> None:
    inventory = restoration.read_inventory(inventory_csv(build_inventory(1, 100, with_cycle=True)))
    cycles = [e for e in inventory.errors if "circulaire" in e.message]
    assert len(cycles) == 1
    assert "APP-0001" in cycles[0].message and "lignes" in cycles[0].message


def test_bad_rows_and_missing_columns_are_errors() -> None:
    assert (
        restoration.read_inventory("kind,id\nserver,SRV-1\n")
        .errors[0]
        .message.startswith("colonnes manquantes")
    )
    bad = restoration.read_inventory(
        HEADER + "printer,P-1,x,x,1,,\nserver,S-1,x,x,9,,\nserver,S-1,x,x,0,,\nserver,S-1,x,x,0,,\n"
    )
    assert [e.line for e in bad.errors] == [2, 3, 5]
