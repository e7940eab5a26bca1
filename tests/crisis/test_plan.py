"""The restoration plan in the database: import, overrides, stages, credentials, effort, chart."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from autarcie.core.clock import FrozenClock
from autarcie.core.errors import AccessDenied
from autarcie.core.models import User
from autarcie.crisis import commands, plan_actions
from autarcie.crisis.actions import CrisisError
from autarcie.crisis.burndown import burndown_svg, remaining_series
from autarcie.crisis.models import Credential, Crisis, ItemStage, PlanItem
from autarcie.demo.synth.inventory import build_inventory, inventory_csv
from tests.crisis.conftest import START, logged_in

SMALL = inventory_csv(build_inventory(2, 60))


def test_import_plans_items_and_credentials_and_reimport_keeps_progress(
    crisis: Crisis, director: User
) -> None:
    plan_actions.import_inventory(actor=director, crisis=crisis, text=SMALL)
    items = PlanItem.objects.filter(crisis=crisis)
    dpi = items.get(name__startswith="Dossier patient")
    billing = items.get(name__startswith="Facturation")
    assert dpi.wave < billing.wave and "dossier patient" in dpi.reason
    assert Credential.objects.filter(crisis=crisis, account_type="krbtgt").count() == 2
    for stage in (ItemStage.CLEANED, ItemStage.REBUILT, ItemStage.RESTORED):
        plan_actions.set_stage(actor=director, item=dpi, stage=stage)
    plan_actions.override_wave(actor=director, item=billing, wave=1, reason="Paie urgente")
    plan_actions.import_inventory(actor=director, crisis=crisis, text=SMALL)
    dpi.refresh_from_db()
    billing.refresh_from_db()
    assert dpi.stage == ItemStage.RESTORED and billing.effective_wave == 1
    assert items.count() == sum(
        1 for line in SMALL.splitlines()[1:] if not line.startswith("account")
    )


def test_bad_inventory_is_refused_whole_with_lines(crisis: Crisis, director: User) -> None:
    bad = inventory_csv(build_inventory(2, 60, with_cycle=True))
    with pytest.raises(plan_actions.InventoryRejected) as caught:
        plan_actions.import_inventory(actor=director, crisis=crisis, text=bad)
    assert "circulaire" in caught.value.problems[0].message
    assert not PlanItem.objects.filter(crisis=crisis).exists()


def test_member_may_track_but_not_import(crisis: Crisis, member: User, director: User) -> None:
    with pytest.raises(AccessDenied):
        plan_actions.import_inventory(actor=member, crisis=crisis, text=SMALL)
    plan_actions.import_inventory(actor=director, crisis=crisis, text=SMALL)
    item = PlanItem.objects.filter(crisis=crisis).first()
    assert item is not None
    plan_actions.set_stage(actor=member, item=item, stage=ItemStage.CLEANED)
    with pytest.raises(CrisisError, match="recule"):
        plan_actions.set_stage(actor=member, item=item, stage=ItemStage.ISOLATED)


def test_a_restoration_step_cannot_be_skipped(crisis: Crisis, director: User) -> None:
    plan_actions.import_inventory(actor=director, crisis=crisis, text=SMALL)
    item = PlanItem.objects.filter(crisis=crisis).first()
    assert item is not None
    with pytest.raises(CrisisError, match="« Isolé » passe d'abord à « Nettoyé »"):
        plan_actions.set_stage(actor=director, item=item, stage=ItemStage.RESTORED)
    item.refresh_from_db()
    assert item.stage == ItemStage.ISOLATED and not item.changes.exists()
    client = logged_in(director)
    url = reverse("crisis:plan_item", args=[crisis.pk, item.pk])
    page = client.post(url, {"stage": "restored"}, follow=True).content.decode()
    assert "aucune étape ne peut être sautée" in page
    assert "Passer à l'étape « Nettoyé »" in page
    item.refresh_from_db()
    assert item.stage == ItemStage.ISOLATED


def test_krbtgt_second_reset_waits_ten_hours(
    crisis: Crisis, director: User, frozen: FrozenClock
) -> None:
    plan_actions.import_inventory(actor=director, crisis=crisis, text=SMALL)
    first = Credential.objects.get(crisis=crisis, ident="KRBTGT-1")
    second = Credential.objects.get(crisis=crisis, ident="KRBTGT-2")
    with pytest.raises(CrisisError, match="10 h"):
        plan_actions.rotate_credential(actor=director, credential=second)
    plan_actions.rotate_credential(actor=director, credential=first)
    frozen.advance(dt.timedelta(hours=9, minutes=59))
    with pytest.raises(CrisisError, match="10 h"):
        plan_actions.rotate_credential(actor=director, credential=second)
    frozen.advance(dt.timedelta(minutes=1))
    assert plan_actions.rotate_credential(actor=director, credential=second).rotated_at is not None


def test_upload_page_shows_problems_and_effort_totals(crisis: Crisis, director: User) -> None:
    client = logged_in(director)
    bad = SimpleUploadedFile(
        "inv.csv", b"kind,id,name,priority,depends_on\napplication,APP-1,x,1,SRV-9\n"
    )
    page = client.post(reverse("crisis:plan_import", args=[crisis.pk]), {"file": bad})
    assert page.context["problems"] == ["ligne 2 : APP-1 dépend de SRV-9, inconnu"]
    plan_actions.record_effort(
        actor=director,
        crisis=crisis,
        note="Prestataire",
        person_days=Decimal("3.5"),
        cost_eur=Decimal("4200"),
        on_day=START.date(),
    )
    totals = client.get(reverse("crisis:effort", args=[crisis.pk])).context["totals"]
    assert totals == {"days": Decimal("3.5"), "cost": Decimal("4200")}


def test_burndown_is_an_svg_drawn_on_the_server(
    crisis: Crisis, director: User, frozen: FrozenClock
) -> None:
    plan_actions.import_inventory(actor=director, crisis=crisis, text=SMALL)
    item = PlanItem.objects.filter(crisis=crisis).first()
    assert item is not None
    frozen.advance(dt.timedelta(days=1))
    for stage in (ItemStage.CLEANED, ItemStage.REBUILT, ItemStage.RESTORED):
        plan_actions.set_stage(actor=director, item=item, stage=stage)
    response = logged_in(director).get(reverse("crisis:burndown", args=[crisis.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    total = PlanItem.objects.filter(crisis=crisis).count()
    assert (
        f"reste {total - 1}" in response.content.decode()
        and "<script" not in response.content.decode()
    )


def test_remaining_series_steps_down() -> None:
    series = remaining_series(
        3,
        [START + dt.timedelta(hours=2), START + dt.timedelta(hours=1)],
        START,
        START + dt.timedelta(hours=5),
    )
    assert [v for _, v in series] == [3, 2, 1, 1]
    assert burndown_svg(0, [], START, START, "vide").startswith("<svg")


def main(argv: list[str]) -> int:
    """The crisis commands alone: the rest of the command line is not under test here."""
    parser = argparse.ArgumentParser(prog="autarcie")
    commands.register(parser.add_subparsers(dest="command", required=True), lambda p: None)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


def test_plan_command_prints_waves_without_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "inventory.csv"
    good.write_text(SMALL, encoding="utf-8")
    assert main(["crisis", "plan", str(good)]) == 0
    out = capsys.readouterr().out
    assert "\nwave 1:" in out and out.splitlines()[-1].endswith(" ms")
    bad = tmp_path / "bad.csv"
    bad.write_text(inventory_csv(build_inventory(2, 60, with_cycle=True)), encoding="utf-8")
    assert main(["crisis", "plan", str(bad)]) == 1
    assert "circulaire" in capsys.readouterr().out
