"""FHIR JSON responses and the OperationOutcome every error is answered with."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json; charset=utf-8"


class FhirError(Exception):
    """An error answered as an OperationOutcome with an HTTP status and an issue code."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def fhir_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=FHIR_JSON,
    )


def error_response(error: FhirError) -> HttpResponse:
    response = fhir_response(operation_outcome(error.code, error.diagnostics), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="autarcie-fhir"'
    if error.status == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response
