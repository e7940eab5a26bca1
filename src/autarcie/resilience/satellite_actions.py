"""Satellite actions on the main instance: pairing codes, enrolment, revocation, pulls."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from autarcie.core import clock, tempids
from autarcie.core.errors import ConfigurationError
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import TempIdBlock, Unit
from autarcie.resilience.models import MainKeys, PairingCode, Satellite
from autarcie.resilience.satellite_crypto import (
    KeyPair,
    SatelliteError,
    code_hash,
    enrolment_proof,
    fingerprint,
    new_code,
)

CODE_MINUTES = 15
DEFAULT_TEMPIDS = 1000


class EnrolRefused(SatelliteError):
    """The code is wrong, expired or used, or the request is malformed."""


@dataclass(frozen=True)
class Pairing:
    code: str  # shown once, never stored
    pairing: PairingCode


def main_keys() -> KeyPair:
    """This instance's satellite keys, created at first use."""
    row = MainKeys.objects.filter(pk=1).first()
    if row is None:
        pair = KeyPair.generate()
        try:
            with transaction.atomic():
                MainKeys.objects.create(
                    pk=1,
                    sign_private=pair.sign_private,
                    box_private=pair.box_private,
                    created_at=clock.now(),
                )
        except IntegrityError:
            pass  # another worker created it first: use that one
        row = MainKeys.objects.get(pk=1)
    return KeyPair(sign_private=row.sign_private, box_private=row.box_private)


@transaction.atomic
def create_pairing(
    *, actor: Actor, name: str, units: list[str], tempids_count: int = DEFAULT_TEMPIDS
) -> Pairing:
    """A one-time code for a satellite of ``units``, valid CODE_MINUTES; only its hash is kept."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ConfigurationError("give the satellite a name (1 to 80 characters)")
    codes = sorted(set(units))
    known = set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
    if not codes or known != set(codes):
        missing = ", ".join(sorted(set(codes) - known)) or "none given"
        raise ConfigurationError(f"choose the satellite's units among the known ones ({missing})")
    if not 1 <= tempids_count <= tempids.MAX_BLOCK:
        raise ConfigurationError(f"delegate 1 to {tempids.MAX_BLOCK} temporary identifiers")
    code = new_code()
    now = clock.now()
    pairing = PairingCode.objects.create(
        code_hash=code_hash(code),
        name=name,
        units=codes,
        tempids=tempids_count,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        created_by=str(getattr(actor, "username", actor)),
    )
    record(
        Action.SATELLITE_PAIRING_CREATED,
        actor=actor,
        target_type="pairing",
        target_id=pairing.pk,
        details={"name": name, "units": codes, "tempids": tempids_count},
    )
    return Pairing(code, pairing)


def _refuse(reason: str, address: str) -> EnrolRefused:
    with transaction.atomic():
        record(
            Action.SATELLITE_ENROL_REFUSED,
            actor="system:satellite-enrol",
            details={"reason": reason, "address": address},
        )
    return EnrolRefused(
        {
            "wrong": "code d'appairage inconnu : vérifiez-le sur la page d'administration",
            "expired": "code d'appairage expiré : créez-en un nouveau",
            "used": "code d'appairage déjà utilisé : créez-en un nouveau",
            "site": "code de site différent de celui de l'instance principale",
            "malformed": "demande d'appairage invalide",
        }[reason]
    )


def _check_request(request: dict[str, Any]) -> None:
    for key in ("sign_public", "box_public"):
        value = request.get(key)
        if not isinstance(value, str) or len(value) != 64:
            raise ValueError(key)
        bytes.fromhex(value)


def enrol(request: dict[str, Any], *, address: str) -> dict[str, Any]:
    """Consume a code and answer with the pairing; EnrolRefused (journaled) otherwise."""
    try:
        _check_request(request)
        code = str(request["code"])
    except (KeyError, ValueError, TypeError):
        raise _refuse("malformed", address) from None
    with transaction.atomic():
        pairing = PairingCode.objects.select_for_update().filter(code_hash=code_hash(code)).first()
        reason = (
            "wrong"
            if pairing is None
            else "used"
            if pairing.used_at is not None
            else "expired"
            if pairing.expires_at <= clock.now()
            else "site"
            if request.get("site") != settings.SITE_CODE
            else ""
        )
        if pairing is not None and not reason:
            return _enrolled(pairing, code, request, address)
    raise _refuse(reason, address)


def _enrolled(
    pairing: PairingCode, code: str, request: dict[str, Any], address: str
) -> dict[str, Any]:
    now = clock.now()
    pairing.used_at = now
    pairing.save(update_fields=["used_at"])
    uid = uuid.uuid4().hex
    actor = f"system:satellite:{uid}"
    block = tempids.allocate_block(
        actor=actor, holder_type="satellite", holder_id=uid, size=pairing.tempids
    )
    satellite = Satellite.objects.create(
        uid=uid,
        name=pairing.name,
        units=pairing.units,
        sign_public=request["sign_public"],
        box_public=request["box_public"],
        tempid_first=block.first,
        tempid_last=block.last,
        tempid_site=block.site,
        enrolled_at=now,
    )
    keys = main_keys()
    record(
        Action.SATELLITE_ENROLLED,
        actor=actor,
        target_type="satellite",
        target_id=satellite.pk,
        details={
            "name": satellite.name,
            "units": satellite.units,
            "key": fingerprint(satellite.sign_public),
            "tempids": [block.identifiers()[0], block.identifiers()[-1]],
            "address": address,
        },
    )
    answer = {
        "uid": uid,
        "name": satellite.name,
        "units": satellite.units,
        "hospital": settings.HOSPITAL_NAME,
        "main_sign_public": keys.sign_public,
        "main_box_public": keys.box_public,
        "tempids": {"site": block.site, "first": block.first, "last": block.last},
    }
    mine = {k: request[k] for k in ("sign_public", "box_public")}
    return {"answer": answer, "proof": enrolment_proof(code, answer, mine)}


def top_up_threshold(satellite: Satellite) -> int:
    """A new range is delegated when fewer identifiers than this are left (a fifth)."""
    return max(1, (satellite.tempid_last - satellite.tempid_first + 1) // 5)


@transaction.atomic
def delegated_ranges(satellite: Satellite, *, left: object, known: object) -> list[dict[str, Any]]:
    """The ranges this satellite holds, with a new one when it is running out.

    A new range is delegated only once the satellite says it holds every range already
    delegated: a lost answer is sent again, never doubled.
    """
    held = TempIdBlock.objects.filter(holder_type="satellite", holder_id=satellite.uid)
    ranges = [(b.site, b.first, b.last) for b in held.order_by("first")]
    has = {
        (int(item[0]), int(item[1]))
        for item in (known if isinstance(known, list) else [])
        if isinstance(item, list) and len(item) == 2
    }
    running_out = isinstance(left, int) and left < top_up_threshold(satellite)
    if running_out and all((first, last) in has for _, first, last in ranges):
        block = tempids.allocate_block(
            actor=f"system:satellite:{satellite.uid}",
            holder_type="satellite",
            holder_id=satellite.uid,
            size=satellite.tempid_last - satellite.tempid_first + 1,
        )
        ranges.append((block.site, block.first, block.last))
    return [{"site": site, "first": first, "last": last} for site, first, last in ranges]


@transaction.atomic
def revoke(*, actor: Actor, satellite: Satellite) -> Satellite:
    locked = Satellite.objects.select_for_update().get(pk=satellite.pk)
    if locked.revoked_at is None:
        locked.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        record(
            Action.SATELLITE_REVOKED,
            actor=actor,
            target_type="satellite",
            target_id=locked.pk,
            details={"name": locked.name},
        )
    return locked


def find(name_or_uid: str) -> Satellite:
    found = Satellite.objects.filter(uid=name_or_uid).first() or (
        Satellite.objects.filter(name=name_or_uid).order_by("-enrolled_at").first()
    )
    if found is None:
        raise ConfigurationError(f"no satellite named {name_or_uid!r}: see 'satellite list'")
    return found


@transaction.atomic
def record_pull(
    *, satellite: Satellite, patient_ids: list[int], temp_ids: list[int], gone: int, size: int
) -> None:
    """One entry per pull naming the patients sent, like any list request."""
    Satellite.objects.filter(pk=satellite.pk).update(last_pull_at=clock.now())
    record(
        Action.SATELLITE_PULLED,
        actor=f"system:satellite:{satellite.uid}",
        target_type="satellite",
        target_id=satellite.pk,
        details={
            "satellite": satellite.name,
            "patients": patient_ids,
            "temp_patients": temp_ids,
            "gone": gone,
            "bytes": size,
        },
    )


@transaction.atomic
def record_rejected(*, satellite: Satellite | None, reason: str, address: str) -> None:
    record(
        Action.SATELLITE_REJECTED,
        actor=f"system:satellite:{satellite.uid}" if satellite else "system:satellite-api",
        target_type="satellite" if satellite else "",
        target_id=satellite.pk if satellite else "",
        details={"reason": reason[:200], "address": address},
    )
