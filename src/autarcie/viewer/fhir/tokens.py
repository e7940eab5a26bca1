"""FHIR token matching on items already read (not a database filter)."""

from __future__ import annotations

from autarcie.formats.codes import aliases
from autarcie.viewer.fhir.params import parse_token, values


def token_matches(given: list[str], code: str, system: str) -> bool:
    """The ``code`` token test of ``_token_filter`` on one item already read (a reconciled
    allergy): each repeated parameter must hold, any of its comma-separated options."""

    def one(option: str) -> bool:
        wanted_system, wanted_code = parse_token(option)
        if wanted_code and wanted_code != code:
            return False
        if wanted_system is None:
            return True
        if wanted_system == "":
            return not system
        return system in aliases(wanted_system)

    return all(any(one(option) for option in values(value)) for value in given)
