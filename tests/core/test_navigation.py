"""One menu per role, on every page, linking only to pages the role may open."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import User
from autarcie.core.roles import Role
from tests.factories import make_user
from tests.wards import Ward, build_ward

MENU = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')
# Pages a nurse may not open, whatever page she is on.
NOT_FOR_NURSES = ("/jetons-api/", "/admin/", "/crise/", "/satellite/admin/", "/audit/")


@pytest.fixture
def ward(db: None) -> Ward:
    return build_ward()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True  # the second factor is tested in test_auth
    session.save()
    return client


def _menu(html: str) -> list[str]:
    found = MENU.search(html)
    return HREF.findall(found.group(1)) if found else []


def _menus_and_links(client: Client, extra_pages: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The menu on the home page, on every page of the menu and on ``extra_pages``."""
    home = client.get("/")
    assert home.status_code == 200
    menus = {"/": _menu(home.content.decode())}
    for url in [*menus["/"], *extra_pages]:
        response = client.get(url)
        assert response.status_code == 200, (
            f"{url} is in the menu but answers {response.status_code}"
        )
        menus[url] = _menu(response.content.decode())
    return menus


ROLES = [
    Role.PHYSICIAN,
    Role.NURSE,
    Role.SECRETARY,
    Role.PHARMACIST,
    Role.CRISIS_DIRECTOR,
    Role.CRISIS_MEMBER,
    Role.IT_SECURITY,
    Role.AUDITOR,
    Role.ADMIN,
]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_one_menu_whose_links_all_open(ward: Ward, role: Role) -> None:
    user = make_user(f"user.{role}", role, units=[ward.cardio])
    menus = _menus_and_links(_client(user))
    first = menus["/"]
    assert first, "a logged-in user always has a menu"
    different = {url: menu for url, menu in menus.items() if menu != first}
    assert different == {}, f"the menu changes from page to page: {first} vs {different}"


def test_a_nurse_sees_no_link_to_tokens_admin_crisis_or_audit_on_any_page(ward: Ward) -> None:
    client = _client(ward.nurse)
    pages = (
        f"/unites/{ward.cardio.code}/",
        f"/patients/{ward.lefevre.pk}/",
        "/recherche/?q=lefevre",
        "/soins/",
        "/kits/",
    )
    menus = _menus_and_links(client, pages)
    assert menus["/"] == ["/", "/recherche/", "/soins/", "/kits/"]
    for url in menus:
        html = client.get(url).content.decode()
        links = HREF.findall(html)
        wrong = [link for link in links if link.startswith(NOT_FOR_NURSES)]
        assert wrong == [], f"{url} links a nurse to {wrong}"
    for forbidden in NOT_FOR_NURSES[:2]:
        assert client.get(forbidden).status_code in {403, 404}


def test_the_admin_sees_administration_but_not_the_auditors_unusual_access_page(
    ward: Ward,
) -> None:
    client = _client(make_user("admin", Role.ADMIN, all_units=True))
    menu = _menus_and_links(client)["/"]
    assert {"/admin/utilisateurs/", "/satellite/admin/", "/audit/revue-des-acces/"} <= set(menu)
    review = client.get("/audit/bris-de-glace/").content.decode()
    assert "/audit/acces-inhabituels/" not in review  # the admin may not open it
    assert client.get("/audit/acces-inhabituels/").status_code == 403


def test_the_auditor_is_offered_the_unusual_access_page(ward: Ward) -> None:
    client = _client(ward.auditor)
    review = client.get("/audit/bris-de-glace/").content.decode()
    assert 'href="/audit/acces-inhabituels/"' in review
    assert client.get("/audit/acces-inhabituels/").status_code == 200


def test_the_current_section_is_marked_in_the_menu(ward: Ward) -> None:
    client = _client(make_user("membre", Role.CRISIS_MEMBER, all_units=True))
    html = client.get("/crise/annuaire/").content.decode()
    assert '<a href="/crise/annuaire/" aria-current="page">' in html
    assert '<a href="/crise/" aria-current' not in html


def test_an_anonymous_visitor_has_no_menu(db: None) -> None:
    html = Client().get("/connexion/").content.decode()
    assert 'class="mainnav"' not in html
