"""Every journal action has words for the auditor; actors are people, not ``user:3``."""

from __future__ import annotations

import pytest

from autarcie.core.journal import Action
from autarcie.core.journal_labels import ACTION_LABELS, action_label, person, sentence
from autarcie.core.roles import Role
from tests.factories import make_user


def test_every_action_of_the_enum_has_a_french_label() -> None:
    missing = [a.value for a in Action if a not in ACTION_LABELS]
    assert missing == []
    for action in Action:
        label = str(ACTION_LABELS[action])
        assert action.value not in label
        assert label.startswith(("a ", "s'", "n'")), label


def test_the_target_goes_where_the_phrase_says() -> None:
    opened = sentence(Action.PATIENT_OPENED.value, "LEFÈVRE Marie (IPP P1)")
    assert opened == "a ouvert le dossier de LEFÈVRE Marie (IPP P1)"
    assert sentence(Action.KIT_PRINTED.value, "Cardiologie") == "a imprimé le kit de Cardiologie"
    assert sentence(Action.MIRROR_FROZEN.value, "") == "a gelé le miroir"


def test_an_unknown_code_is_said_in_words() -> None:
    assert action_label("future.thing") == "a fait une action inconnue de cette version"


@pytest.mark.django_db
def test_a_person_is_named_with_her_roles_and_the_system_in_words() -> None:
    nurse = make_user("ide", Role.NURSE)
    nurse.full_name = "Claire Petit"
    assert person(nurse, f"user:{nurse.pk}") == ("Claire Petit", "infirmier·e")
    assert person(None, "system:cli") == ("Le système", "ligne de commande")
