"""``/satellite/api/``: what satellites call. No session: each request is an envelope signed by
the satellite's own key; a revoked or unknown satellite gets a refusal and nothing else."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from autarcie.core import clock
from autarcie.core.access import client_address
from autarcie.resilience import satellite_actions as actions
from autarcie.resilience.models import Satellite
from autarcie.resilience.satellite_crypto import (
    PULL,
    PUSH,
    PUSH_ACK,
    SNAPSHOT,
    EnvelopeRefused,
    link_of,
    open_envelope,
    seal,
)
from autarcie.resilience.satellite_export import build_export
from autarcie.resilience.satellite_import import PushRefused, import_push

log = logging.getLogger(__name__)
MAX_SKEW = dt.timedelta(minutes=10)
MAX_REQUEST = 64 * 1024 * 1024


def _refusal(message: str, status: int = 403) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def enrol(request: HttpRequest) -> HttpResponse:
    address = client_address(request)
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            raise ValueError("not an object")
    except ValueError:
        return _refusal("demande d'appairage invalide", 400)
    try:
        answer = actions.enrol(body, address=address)
    except actions.EnrolRefused as exc:
        log.warning("satellite enrolment refused from %s", address)
        return _refusal(str(exc))
    return JsonResponse(answer)


def _open(request: HttpRequest, kind: int) -> tuple[Satellite, dict[str, Any]] | HttpResponse:
    """The satellite and the body of its envelope, or the refusal to send (journaled)."""
    address = client_address(request)
    envelope = request.body
    satellite = None
    try:
        if len(envelope) > MAX_REQUEST:
            raise EnvelopeRefused("the request is too large")
        _kind, uid = link_of(envelope)
        satellite = Satellite.objects.filter(uid=uid).first()
        if satellite is None:
            raise EnvelopeRefused("unknown satellite")
        if satellite.revoked_at is not None:
            actions.record_rejected(satellite=satellite, reason="revoked", address=address)
            return _refusal("satellite révoqué : l'instance principale ne lui envoie plus rien")
        body = open_envelope(
            envelope,
            kind=kind,
            link_id=uid,
            recipient_box=actions.main_keys().box_private,
            sender_sign=satellite.sign_public,
        )
        sent = dt.datetime.fromisoformat(str(body.get("at")))
        if abs(sent - clock.now()) > MAX_SKEW:
            raise EnvelopeRefused("the request is stale or the satellite's clock is wrong")
    except (EnvelopeRefused, ValueError, TypeError) as exc:
        actions.record_rejected(satellite=satellite, reason=str(exc), address=address)
        log.warning("satellite request refused from %s: %s", address, exc)
        return _refusal("requête de satellite refusée")
    return satellite, body


def _sealed(satellite: Satellite, kind: int, body: dict[str, Any]) -> bytes:
    return seal(
        body,
        kind=kind,
        link_id=satellite.uid,
        recipient_box=satellite.box_public,
        sender_sign=actions.main_keys().sign_private,
    )


@csrf_exempt
@require_POST
def pull(request: HttpRequest) -> HttpResponse:
    opened = _open(request, PULL)
    if isinstance(opened, HttpResponse):
        return opened
    satellite, body = opened
    have = body.get("have") if isinstance(body.get("have"), dict) else {}
    export = build_export(satellite, have or {}, str(body.get("echo", "")))
    export.body["tempids"] = actions.delegated_ranges(
        satellite, left=body.get("tempids_left"), known=body.get("tempid_ranges")
    )
    sealed = _sealed(satellite, SNAPSHOT, export.body)
    actions.record_pull(
        satellite=satellite,
        patient_ids=export.patient_ids,
        temp_ids=export.temp_ids,
        gone=export.gone,
        size=len(sealed),
    )
    return HttpResponse(sealed, content_type="application/octet-stream")


@csrf_exempt
@require_POST
def push(request: HttpRequest) -> HttpResponse:
    opened = _open(request, PUSH)
    if isinstance(opened, HttpResponse):
        return opened
    satellite, body = opened
    try:
        done = import_push(
            actor=f"system:satellite:{satellite.uid}", satellite=satellite, body=body
        )
    except (PushRefused, KeyError, ValueError, TypeError) as exc:
        address = client_address(request)
        actions.record_rejected(satellite=satellite, reason=f"push: {exc}", address=address)
        return _refusal(f"envoi refusé, rien n'a été importé : {exc}", 409)
    Satellite.objects.filter(pk=satellite.pk).update(last_push_at=clock.now())
    ack = {
        "at": clock.now().isoformat(),
        "echo": str(body.get("echo", "")),
        "accepted": done.accepted,
        "created": done.created,
        "journal_upto": done.journal_upto,
    }
    return HttpResponse(_sealed(satellite, PUSH_ACK, ack), content_type="application/octet-stream")
