"""The CapabilityStatement served at ``/fhir/metadata``."""

from __future__ import annotations

from autarcie import __version__
from autarcie.core import clock
from autarcie.viewer.fhir.clinical import KINDS
from autarcie.viewer.fhir.patients import PARAMETERS
from autarcie.viewer.fhir.resources import Json

_PARAM_TYPES = {
    "name": "string",
    "family": "string",
    "given": "string",
    "birthdate": "date",
    "identifier": "token",
    "_id": "token",
    "patient": "reference",
    "date": "date",
    "code": "token",
    "status": "token",
    "type": "token",
}


def _params(names: tuple[str, ...] | list[str]) -> list[Json]:
    return [{"name": n, "type": _PARAM_TYPES[n]} for n in names]


def _resource(rtype: str, params: list[Json]) -> Json:
    return {
        "type": rtype,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": params,
    }


def capability_statement(base: str) -> Json:
    resources = [_resource("Patient", _params(PARAMETERS))]
    for rtype, kind in KINDS.items():
        resources.append(_resource(rtype, _params(["patient", *kind.filters])))
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": clock.now().date().isoformat(),
        "publisher": "Autarcie",
        "kind": "instance",
        "software": {"name": "Autarcie", "version": __version__},
        "implementation": {
            "description": "Autarcie: read-only copy of the hospital's records",
            "url": base,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read-only. Searches other than Patient need patient=.",
                "security": {
                    "cors": False,
                    "description": "Bearer token per user (Authorization: Bearer <token>); "
                    "the same roles, unit scopes and journal as the screens.",
                },
                "resource": resources,
            }
        ],
    }
