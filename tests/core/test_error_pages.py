"""Error pages: French, in the site's layout, saying what to do, never patient data or a trace."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from autarcie.core.models import User
from autarcie.core.roles import Role
from tests.core.error_urls import LEAK
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_urls")]

ENGLISH = (
    "Not Found",
    "Forbidden",
    "Server Error",
    "Bad Request",
    "CSRF verification failed",
    "Traceback",
)


@pytest.fixture
def nurse(db: None) -> User:
    return make_user("ide.erreur", Role.NURSE)


def _client(user: User | None = None, **kwargs: Any) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _check(html: str, title: str, *, menu: bool) -> None:
    assert f"<h1>{title}" in html
    assert "Que faire :" in html
    assert 'class="topbar"' in html and 'class="footer"' in html  # the site's layout
    assert ('class="mainnav"' in html) is menu
    assert [word for word in ENGLISH if word in html] == []
    assert "LEFÈVRE" not in html and "IPP P1" not in html


def test_a_missing_page_is_explained_in_french_with_the_menu(nurse: User) -> None:
    response = _client(nurse).get("/pas-de-page-ici/")
    assert response.status_code == 404
    _check(response.content.decode(), "Page introuvable", menu=True)


def test_a_missing_page_for_a_visitor_offers_the_login_without_a_menu(db: None) -> None:
    response = _client().get("/pas-de-page-ici/")
    assert response.status_code == 404
    html = response.content.decode()
    _check(html, "Page introuvable", menu=False)
    assert 'href="/connexion/"' in html


def test_a_forbidden_page_says_who_can_change_the_rights(nurse: User) -> None:
    response = _client(nurse).get("/admin/utilisateurs/")
    assert response.status_code == 403
    html = response.content.decode()
    _check(html, "Accès refusé", menu=True)
    assert "administrateur" in html


def test_a_bad_request_is_explained_without_echoing_it(nurse: User) -> None:
    response = _client(nurse).get("/test/mauvaise/")
    assert response.status_code == 400
    _check(response.content.decode(), "Demande incorrecte", menu=True)


def test_a_crash_shows_what_to_do_and_neither_the_error_nor_a_trace(nurse: User) -> None:
    response = _client(nurse).get("/test/panne/")
    assert response.status_code == 500
    html = response.content.decode()
    _check(html, "Erreur d&#x27;Autarcie", menu=True)
    assert "kits papier" in html


def broken_context(request: object) -> dict[str, object]:
    raise RuntimeError(LEAK)


def test_a_crash_while_drawing_the_layout_still_gives_the_french_page(nurse: User) -> None:
    engine: dict[str, Any] = dict(settings.TEMPLATES[0])
    options: dict[str, Any] = dict(engine["OPTIONS"])
    options["context_processors"] = [*options["context_processors"], f"{__name__}.broken_context"]
    with override_settings(TEMPLATES=[{**engine, "OPTIONS": options}]):
        response = _client(nurse).get("/test/panne/")
    assert response.status_code == 500
    _check(response.content.decode(), "Erreur d&#x27;Autarcie", menu=False)


def test_an_expired_form_says_nothing_was_saved_and_to_reload(nurse: User) -> None:
    client = _client(nurse, enforce_csrf_checks=True)
    response = client.post("/verrouiller/")
    assert response.status_code == 403
    html = response.content.decode()
    _check(html, "Formulaire expiré", menu=True)
    assert "rien n&#x27;a été enregistré" in html


def test_a_buttons_address_opened_by_hand_is_explained_in_french(nurse: User) -> None:
    response = _client(nurse).get("/verrouiller/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    _check(html, "Action impossible sur cette page", menu=True)
    assert "Rien n&#x27;a été enregistré" in html
