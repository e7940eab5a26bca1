"""The new ward pages at 1024 px: the summary's results and vitals, grids, the ED board."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from autarcie.care import actions
from autarcie.care.models import EntryKind
from autarcie.care.queries import Subject
from autarcie.core import clock
from autarcie.core.roles import Role, UnitKind
from autarcie.core.tempids import allocate_block
from autarcie.mirror.models import Document, Prescription, Result
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_unit, make_user
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


@pytest.fixture
def small_page(browser: Browser) -> Iterator[Page]:
    """The smallest screen the wards have: nothing may scroll sideways at 1024 px."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _chart(ward: Ward) -> None:
    now = clock.now()
    for key, code, label, value, unit in (
        ("k", "2823-3", "Potassium", "5.9", "mmol/L"),
        ("c", "2160-0", "Créatinine", "85.5", "umol/L"),
        ("w", "26464-8", "Leucocytes", "12.5", "10*9/L"),
        ("i", "6301-6", "INR", "2.4", "{INR}"),
    ):
        Result.objects.create(
            rkey=key,
            patient=ward.lefevre,
            version=1,
            received_at=now,
            code=code,
            label=label,
            value=value,
            unit=unit,
            flag="H" if key == "k" else "",
            status="F",
            observed_at=now - dt.timedelta(hours=2),
        )
    Document.objects.create(
        rkey="d",
        patient=ward.lefevre,
        version=1,
        received_at=now,
        title="Courrier du médecin traitant",
        text="Mme DUPONT Jeanne, fille de la patiente.\nTraitement habituel inchangé.",
        authored_at=now - dt.timedelta(days=1),
    )
    for rkey, drug, frequency in (("RX1", "Amoxicilline 1 g", "Q4H"), ("RX2", "Morphine", "")):
        Prescription.objects.create(
            rkey=rkey,
            patient=ward.lefevre,
            version=1,
            received_at=now,
            drug_label=drug,
            dose="1",
            dose_unit="g",
            route="IV",
            frequency=frequency,
            status="active",
            active=True,
        )
    subject = Subject(patient=ward.lefevre)
    for hours, pulse, temperature in ((9, "80", "38.5"), (5, "92", "38.1"), (1, "104", "37.6")):
        actions.record_entry(
            actor=ward.nurse,
            subject=subject,
            kind=EntryKind.VITALS,
            data={"heart_rate": pulse, "temperature": temperature, "systolic": "125"},
            written_at=now - dt.timedelta(hours=hours),
        )
    actions.record_entry(
        actor=ward.nurse,
        subject=subject,
        kind=EntryKind.ADMINISTRATION,
        data={"prescription": "mirror:RX1", "status": "given", "dose": "1 g"},
        written_at=now - dt.timedelta(hours=1),
    )


def test_summary_and_grids_fit_1024_pixels(
    small_page: Page, live_server: object, ward: Ward
) -> None:
    _chart(ward)
    base = str(live_server)
    log_in(small_page, base, "ide.cardio")
    small_page.goto(f"{base}/patients/{ward.lefevre.pk}/")
    expect(small_page.get_by_text("10⁹/L")).to_be_visible()
    expect(
        small_page.get_by_role("heading", name="Constantes (saisies en mode dégradé)")
    ).to_be_visible()
    _no_horizontal_scroll(small_page)
    screenshot(small_page, "ward-summary-1024")
    small_page.get_by_role("link", name="Grille d'administration (24 à 72 h)").click()
    expect(small_page.locator(".mar-box.given").first).to_be_visible()
    _no_horizontal_scroll(small_page)
    screenshot(small_page, "ward-mar-patient-1024")
    small_page.goto(f"{base}/unites/2010/")
    small_page.get_by_role("link", name="Grille d'administration de l'unité").click()
    expect(small_page.get_by_role("link", name="LEFÈVRE MARIE")).to_be_visible()
    _no_horizontal_scroll(small_page)
    screenshot(small_page, "ward-mar-unit-1024")
    small_page.emulate_media(media="print")
    screenshot(small_page, "ward-mar-unit-print")


def test_emergency_board_fits_1024_pixels(
    small_page: Page, live_server: object, ward: Ward
) -> None:
    urg = make_unit("URG", UnitKind.EMERGENCY, "Urgences adultes")
    make_user("ide.urg", Role.NURSE, units=[urg])
    ids = allocate_block(actor="system:test", holder_type="unit", holder_id="URG", size=2)
    now = clock.now()
    for index, (family, minutes, ccmu) in enumerate((("AUBRY", 190, "3"), ("BERNARD", 35, ""))):
        arrival = now - dt.timedelta(minutes=minutes)
        temp = actions.admit_temporary(
            actor="system:test",
            identity={
                "tempid": ids.identifiers()[index],
                "birth_family": family,
                "given": "Léa",
                "sex": "F",
            },
            unit_code="URG",
            room=f"Box {index + 1}",
            written_at=arrival,
        )
        actions.record_entry(
            actor="system:test",
            subject=Subject(temp=temp),
            kind=EntryKind.PASSAGE,
            data={"entry": arrival.isoformat(), "entry_mode": "8", "reason": "R07.4", "ccmu": ccmu},
            written_at=arrival,
        )
    base = str(live_server)
    log_in(small_page, base, "ide.urg")
    small_page.goto(f"{base}/unites/URG/")
    _no_horizontal_scroll(small_page)
    screenshot(small_page, "ward-census-urg-1024")
    small_page.get_by_role("link", name="Tableau des passages en cours").click()
    expect(small_page.get_by_role("cell", name="3 h 10")).to_be_visible()
    _no_horizontal_scroll(small_page)
    screenshot(small_page, "ward-ed-board-1024")
