"""The back-entry checklist reaches zero once everything is handed back; screens and report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import Client

from autarcie.care.models import TempPatient
from autarcie.core import clock
from autarcie.core.models import JournalEntry
from autarcie.core.roles import Role
from autarcie.recovery.checklist import overview
from autarcie.recovery.exports import export_fhir, export_hl7
from autarcie.recovery.files import export_ror, export_rpu
from autarcie.recovery.models import IdentityLink, LinkState
from autarcie.recovery.state import WAITING_IDENTITY
from tests.factories import PASSWORD, make_user
from tests.recovery_db.conftest import reconcile_all_as_new
from tests.recovery_db.servers import fhir_server, mllp_receiver


def _client(username: str, *roles: Role) -> Client:
    make_user(username, *roles, all_units=True)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_checklist_reaches_zero_when_every_channel_has_accepted(
    downtime: None, tmp_path: Path
) -> None:
    before = overview()
    assert before.remaining == before.total > 40
    assert before.counts[WAITING_IDENTITY] > 0
    reconcile_all_as_new()
    with fhir_server(lambda body: None) as (url, _):
        export_fhir(actor="system:test", post=url)
    with mllp_receiver(lambda raw: None) as (port, _):
        export_hl7(actor="system:test", host="127.0.0.1", port=port, ack_timeout=5)
    today = clock.now().astimezone(ZoneInfo("Europe/Paris")).date()
    export_rpu(actor="system:test", first=today - dt.timedelta(days=1), last=today, out=tmp_path)
    assert overview().remaining == overview().counts["pending"] > 0  # the beds remain
    export_ror(actor="system:test", out=tmp_path)
    after = overview()
    assert after.remaining == 0 and after.total == before.total


def test_a_nurse_cannot_open_the_checklist_and_a_secretary_can(downtime: None) -> None:
    assert _client("nurse.n", Role.NURSE).get("/reprise/").status_code == 403
    page = _client("adm.s", Role.SECRETARY).get("/reprise/")
    assert page.status_code == 200
    assert "Saisies restant à reprendre" in page.content.decode()


def test_the_crisis_report_is_a_pdf_and_is_journaled(downtime: None) -> None:
    response = _client("crisis.d", Role.CRISIS_MEMBER).get("/reprise/rapport.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert JournalEntry.objects.filter(action="recovery.report_built").count() == 1


def test_reconciling_through_the_screens_takes_two_people(downtime: None) -> None:
    first = _client("adm.one", Role.SECRETARY)
    second = _client("adm.two", Role.SECRETARY)
    temp = TempPatient.objects.order_by("pk").first()
    assert temp is not None
    page = first.get("/reprise/identites/")
    assert temp.tempid in page.content.decode()
    assert JournalEntry.objects.filter(action="recovery.identities_viewed").exists()
    first.post(f"/reprise/identites/{temp.pk}/proposer/", {"patient": "new"})
    link = IdentityLink.objects.get(temp_patient=temp)
    refused = first.post(f"/reprise/decisions/{link.pk}/confirmer/", follow=True)
    assert "autre personne" in refused.content.decode()
    second.post(f"/reprise/decisions/{link.pk}/confirmer/")
    link.refresh_from_db()
    assert link.state == LinkState.CONFIRMED
    assert (
        _client("nurse.n", Role.NURSE).post(f"/reprise/decisions/{link.pk}/annuler/").status_code
        == 403
    )
