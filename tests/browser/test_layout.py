"""The shared layout at 1024 px: no horizontal scrolling, even with a 20,000-character word."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from playwright.sync_api import Page

from autarcie.care.bed_actions import configure_critical_unit
from autarcie.core import clock, totp
from autarcie.core.models import User
from autarcie.core.roles import Role, UnitKind
from autarcie.crisis import actions as crisis_actions
from autarcie.crisis.models import Category, Crisis
from autarcie.mirror.models import Document
from tests.browser.conftest import log_in, screenshot
from tests.crisis.conftest import declaration
from tests.factories import PASSWORD, make_unit, make_user
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed
from tests.wards import Ward

pytestmark = [pytest.mark.browser]

# No space, no hyphen: the browser finds no place to break it unless the page lets it.
HUGE_WORD = "CompteRendu" + "X" * 19_989
NAME_WORD = "N" * 120  # the longest name the mirror keeps


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _small_screen(page: Page) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})


@pytest.fixture
def physician(ward: Ward) -> User:
    """A physician of Cardiologie and of a critical-care unit, whose patient has a huge report."""
    icu = make_unit("3010", UnitKind.ICU, "Réanimation" + "R" * 109)
    configure_critical_unit(actor="system:test", unit=icu, ror_category="121", installed=12)
    doctor = make_user("dr.long", Role.PHYSICIAN, units=[ward.cardio, icu])
    feed([adt("A01", "C9", ipp="P9", nda="N9", family=NAME_WORD, given=NAME_WORD, movement="M9")])
    report = {"title": "Compte rendu", "text": HUGE_WORD, "authored_at": T0}
    Document.objects.create(rkey="cr1", patient=ward.lefevre, version=1, received_at=T0, **report)
    return doctor


def test_census_summary_and_beds_do_not_scroll_sideways_at_1024(
    page: Page, live_server: object, ward: Ward, physician: User
) -> None:
    base = str(live_server)
    _small_screen(page)
    log_in(page, base, "dr.long")
    pages = {
        "census": f"{base}/unites/{ward.cardio.code}/",
        "summary": f"{base}/patients/{ward.lefevre.pk}/",
        "beds": f"{base}/soins/lits/",
    }
    sideways = []
    for name, url in pages.items():
        page.goto(url)
        assert page.title() and page.locator("nav.mainnav").is_visible()
        if not _fits(page):
            sideways.append(name)
            continue  # a 200,000-pixel-wide page is too large to photograph
        screenshot(page, f"layout-{name}-1024")
    assert sideways == [], f"these pages scroll sideways at 1024 px: {sideways}"


@pytest.fixture
def busy_crisis(ward: Ward) -> Crisis:
    director = make_user("directeur", Role.CRISIS_DIRECTOR, all_units=True)
    make_user("membre", Role.CRISIS_MEMBER, all_units=True)
    crisis = crisis_actions.declare(actor=director, declaration=declaration(title="T" * 200))
    crisis_actions.log(actor=director, crisis=crisis, category=Category.FACT, text=HUGE_WORD)
    crisis_actions.create_task(
        actor=director,
        crisis=crisis,
        title="U" * 300,
        owner=director,
        due_at=clock.now() - dt.timedelta(hours=1),
    )
    return crisis


def test_crisis_dashboard_cards_fit_and_do_not_overlap_at_1024(
    page: Page, live_server: object, busy_crisis: Crisis
) -> None:
    base = str(live_server)
    _small_screen(page)
    log_in(page, base, "membre")
    page.goto(f"{base}/crise/{busy_crisis.pk}/")
    assert _fits(page), "the crisis dashboard scrolls sideways at 1024 px"
    screenshot(page, "layout-crisis-dashboard-1024")
    cards = page.locator("main .card").all()
    spill = page.evaluate(
        "[...document.querySelectorAll('main .card')].filter(c => c.scrollWidth > c.clientWidth)"
        ".map(c => c.querySelector('h2') ? c.querySelector('h2').textContent : c.className)"
    )
    assert spill == [], f"these cards' content sticks out sideways: {spill}"
    boxes = [card.bounding_box() for card in cards]
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a is not None and b is not None
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, f"cards overlap: {a} and {b}"


def test_the_widest_menu_fits_on_one_line_at_1280(
    page: Page, live_server: object, ward: Ward
) -> None:
    """A user holding every role sees every entry: the longest menu there is."""
    base = str(live_server)
    everyone = make_user("tous.roles", *Role, all_units=True)
    secret = pyotp.random_base32()
    totp.enrol_with_secret(actor="system:test", user=everyone, secret=secret)
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill("tous.roles")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Valider").click()
    page.goto(f"{base}/")
    screenshot(page, "layout-menu-1280")
    links = page.locator("nav.mainnav a").all()
    assert len(links) >= 10
    tops = {round(link.bounding_box()["y"]) for link in links}  # type: ignore[index]
    assert len(tops) == 1, "the menu wraps onto several lines"
    # One line of text: a label broken over two lines ("Mode / dégradé") counts as two.
    lines = page.evaluate(
        """(() => {
        const links = [...document.querySelectorAll('nav.mainnav a')];
        const line = parseFloat(getComputedStyle(links[0]).lineHeight);
        return Math.max(...links.map(a => a.getBoundingClientRect().height)) / line;
        })()"""
    )
    assert lines < 1.5, f"the menu is {lines:.1f} lines high"
    assert _fits(page)


def test_a_missing_page_is_french_in_the_layout_with_the_menu(
    page: Page, live_server: object, ward: Ward
) -> None:
    base = str(live_server)
    _small_screen(page)
    log_in(page, base, "ide.cardio")
    response = page.goto(f"{base}/patients/999999/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Page introuvable").is_visible()
    assert page.get_by_role("navigation", name="Menu principal").is_visible()
    assert page.get_by_role("link", name="Retour à l'accueil").is_visible()
    assert _fits(page)
    screenshot(page, "layout-error-404-1024")
    page.goto(f"{base}/admin/utilisateurs/")
    assert page.get_by_role("heading", name="Accès refusé").is_visible()
    screenshot(page, "layout-error-403-1024")
