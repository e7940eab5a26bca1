"""Save confirmations travel in the redirect's URL as a code, never as text."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from autarcie.core import notices


def test_a_registered_code_redirects_with_the_code_and_reads_back_its_text() -> None:
    notices.register("test-saved", "Saisie de test enregistrée.")
    response = notices.redirect_saved("test-saved", "/soins/")
    assert response["Location"] == "/soins/?ok=test-saved"
    request = RequestFactory().get(response["Location"])
    assert notices.saved_notice(request) == "Saisie de test enregistrée."


def test_an_unknown_code_in_the_url_shows_nothing() -> None:
    request = RequestFactory().get("/soins/", {"ok": "<b>Patient DUPONT</b>"})
    assert notices.saved_notice(request) == ""
    assert notices.notice_context(request) == {"saved_notice": ""}


def test_a_code_cannot_be_redirected_to_unless_registered_nor_change_meaning() -> None:
    with pytest.raises(KeyError):
        notices.redirect_saved("never-registered", "/soins/")
    notices.register("test-fixed", "Un texte.")
    with pytest.raises(ValueError):
        notices.register("test-fixed", "Un autre texte.")


def test_a_form_posted_back_to_a_confirming_url_shows_no_confirmation() -> None:
    notices.register("test-posted", "Saisie enregistrée.")
    request = RequestFactory().post("/soins/?ok=test-posted", {"quantite": "5"})
    assert notices.saved_notice(request) == ""
