"""Recovery in the browser: reconcile an identity with two people, export, checklist to zero."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from autarcie.care.models import TempPatient
from autarcie.core import clock
from autarcie.core.roles import Role
from autarcie.mirror.sender import control_id_of
from autarcie.recovery.actions import confirm_link, propose_link
from autarcie.recovery.exports import export_fhir, export_hl7, hl7_messages
from autarcie.recovery.files import export_ror, export_rpu
from autarcie.recovery.records import downtime_items
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_user
from tests.recovery_db.conftest import FINESS, record_downtime
from tests.recovery_db.servers import fhir_server, mllp_receiver

pytestmark = [pytest.mark.browser]


def _in_thread(job: Callable[[], object]) -> None:
    """Playwright's own event loop holds this thread; the MLLP client runs its loop elsewhere."""

    def run() -> object:
        try:
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def _export_everything(tmp: Path, refuse: str | None) -> None:
    with fhir_server(lambda body: None) as (url, _):
        export_fhir(actor="system:test", post=url)
    with mllp_receiver(
        lambda raw: "NDA inconnu du SIH" if control_id_of(raw) == refuse else None
    ) as (port, _):
        _in_thread(
            lambda: export_hl7(actor="system:test", host="127.0.0.1", port=port, ack_timeout=5)
        )
    today = clock.now().astimezone(ZoneInfo("Europe/Paris")).date()
    export_rpu(actor="system:test", first=today - dt.timedelta(days=1), last=today, out=tmp / "rpu")
    export_ror(actor="system:test", out=tmp / "ror")


def test_downtime_is_handed_back_and_the_checklist_reaches_zero(
    transactional_db: None,
    live_server: object,
    page: Page,
    browser: Browser,
    tmp_path: Path,
    settings: object,
) -> None:
    settings.FINESS = FINESS  # type: ignore[attr-defined]
    record_downtime(hours=3)
    first = make_user("adm.marie", Role.SECRETARY, all_units=True)
    make_user("adm.paul", Role.SECRETARY, all_units=True)
    base = str(live_server)
    temp = TempPatient.objects.order_by("pk").first()
    assert temp is not None

    log_in(page, base, "adm.marie")
    page.goto(f"{base}/reprise/")
    expect(page.locator("#remaining")).not_to_contain_text(" 0 ")
    page.get_by_role("link", name="Rapprocher les identités provisoires").click()
    page.get_by_label(f"Nouveau patient {temp.tempid}").check()
    page.get_by_role("button", name=f"Proposer {temp.tempid}").click()
    expect(page.locator(f"#temp-{temp.tempid}")).to_contain_text("En attente de confirmation")

    other = browser.new_context(locale="fr-FR").new_page()
    log_in(other, base, "adm.paul")
    other.goto(f"{base}/reprise/identites/")
    other.get_by_role("button", name=f"Confirmer {temp.tempid}").click()
    expect(other.get_by_text(f"Identité {temp.tempid} confirmée.")).to_be_visible()
    expect(other.locator(f"#temp-{temp.tempid}")).to_have_count(0)

    second = make_user("adm.luc", Role.SECRETARY, all_units=True)
    for rest in TempPatient.objects.exclude(pk=temp.pk):
        confirm_link(actor=second, link=propose_link(actor=first, temp=rest, patient=None))
    items = [i for i in downtime_items() if "hl7" in i.channels]
    refused = hl7_messages(items, clock.now())[2]
    _export_everything(tmp_path, refused.control_id)

    page.goto(f"{base}/reprise/")
    expect(page.locator("#remaining")).to_contain_text("Saisies restant à reprendre : 1 sur")
    row = page.locator("tr.status-rejected")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("AE : NDA inconnu du SIH")
    screenshot(page, "recovery-one-rejected")

    with mllp_receiver(lambda raw: None) as (port, received):
        _in_thread(
            lambda: export_hl7(actor="system:test", host="127.0.0.1", port=port, ack_timeout=5)
        )
    assert [control_id_of(raw) for raw in received.payloads] == [refused.control_id]
    page.reload()
    expect(page.locator("#remaining")).to_contain_text(re.compile(r"reprendre : 0 sur \d+"))
    expect(page.locator("#waiting-identities")).to_have_text("0")
    screenshot(page, "recovery-checklist-zero")
