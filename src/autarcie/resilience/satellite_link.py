"""Satellite-side actions: the pairing stored, each snapshot applied, each push acknowledged."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import ConfigurationError
from autarcie.core.journal import Action, record
from autarcie.core.models import TempIdBlock
from autarcie.core.tempids import DELEGATED, delegated_left, receive_delegated_range
from autarcie.mirror.models import Inbound, InboundState
from autarcie.resilience.models import SatelliteLink, SyncedEntry
from autarcie.resilience.satellite_apply import Applied, apply_snapshot
from autarcie.resilience.satellite_crypto import (
    EnvelopeRefused,
    KeyPair,
    SatelliteError,
    fingerprint,
)

ACTOR = "system:satellite"
FEED = "sat"  # the marker rows that tell chart how fresh the copied mirror is


def current_link() -> SatelliteLink:
    link = SatelliteLink.objects.filter(pk=1).first()
    if link is None:
        raise SatelliteError(
            "this instance is not a satellite: pair it first with 'autarcie satellite enrol'"
        )
    return link


@transaction.atomic
def store_link(
    *, answer: dict[str, Any], keys: KeyPair, main_url: str, ca_file: str
) -> SatelliteLink:
    """Keep the pairing; the delegated block becomes this instance's pool of identifiers."""
    if SatelliteLink.objects.filter(pk=1).exists():
        raise ConfigurationError("this instance is already a satellite")
    block = answer["tempids"]
    if block["site"] != settings.SITE_CODE:
        raise ConfigurationError(f"set AUTARCIE_SITE_CODE={block['site']} on this satellite")
    link = SatelliteLink.objects.create(
        pk=1,
        uid=answer["uid"],
        name=answer["name"],
        main_url=main_url,
        ca_file=ca_file,
        units=answer["units"],
        sign_private=keys.sign_private,
        box_private=keys.box_private,
        main_sign_public=answer["main_sign_public"],
        main_box_public=answer["main_box_public"],
        tempid_first=block["first"],
        tempid_last=block["last"],
        tempid_site=block["site"],
        enrolled_at=clock.now(),
    )
    # Kits printed here and temporary admissions take their identifiers from this range.
    receive_delegated_range(
        actor=ACTOR,
        site=block["site"],
        first=block["first"],
        last=block["last"],
        holder_id=link.uid,
    )
    record(
        Action.SATELLITE_ENROLLED,
        actor=ACTOR,
        target_type="satellite",
        target_id=link.uid,
        details={
            "name": link.name,
            "units": link.units,
            "main_key": fingerprint(link.main_sign_public),
            "tempids": [block["first"], block["last"]],
        },
    )
    return link


def tempids_left(link: SatelliteLink) -> int:
    return delegated_left(link.tempid_site) or 0


def known_ranges(link: SatelliteLink) -> list[list[int]]:
    """The ranges the main instance delegated to this satellite, as it holds them."""
    rows = TempIdBlock.objects.filter(site=link.tempid_site, holder_type=DELEGATED)
    return [[first, last] for first, last in rows.order_by("first").values_list("first", "last")]


def _receive_ranges(link: SatelliteLink, ranges: object) -> int:
    """New ranges sent with a snapshot (the main tops the satellite up before it runs out)."""
    if ranges is None:
        return 0
    if not isinstance(ranges, list):
        raise EnvelopeRefused("the snapshot's identifier ranges are not a list")
    received = 0
    for item in ranges:
        if not isinstance(item, dict) or item.get("site") != link.tempid_site:
            raise EnvelopeRefused("the snapshot holds an identifier range of another site")
        received += receive_delegated_range(
            actor=ACTOR,
            site=link.tempid_site,
            first=int(item["first"]),
            last=int(item["last"]),
            holder_id=link.uid,
        )
    return received


def _mark_freshness(data_as_of: dt.datetime | None, snapshot_id: str) -> None:
    """One marker row per new freshness, so the viewer and the kits say 'data as of' the
    main instance's time, not this copy's."""
    if data_as_of is None:
        return
    if Inbound.objects.filter(feed=FEED, received_at=data_as_of).exists():
        return
    Inbound.objects.create(
        feed=FEED,
        sender="main",
        control_id=snapshot_id,
        event="snapshot",
        received_at=data_as_of,
        raw=b"",
        sha256="",
        state=InboundState.APPLIED,
        applied_at=clock.now(),
    )


@transaction.atomic
def record_synced(*, link: SatelliteLink, body: dict[str, Any], size: int) -> Applied:
    locked = SatelliteLink.objects.select_for_update().get(pk=link.pk)
    applied = apply_snapshot(body, locked)
    applied.tempid_ranges = _receive_ranges(locked, body.get("tempids"))
    as_of = dt.datetime.fromisoformat(body["data_as_of"]) if body.get("data_as_of") else None
    locked.data_as_of = as_of
    locked.snapshot_at = dt.datetime.fromisoformat(body["at"])
    locked.last_sync_at = clock.now()
    locked.last_error = ""
    locked.save()
    _mark_freshness(as_of, body["at"])
    record(
        Action.SATELLITE_SYNCED,
        actor=ACTOR,
        target_type="satellite",
        target_id=locked.uid,
        details={**asdict(applied), "bytes": size, "data_as_of": body.get("data_as_of")},
    )
    return applied


@transaction.atomic
def record_failure(*, reason: str, refused: bool) -> None:
    """A refused snapshot is journaled; an unreachable main is only noted on the link."""
    SatelliteLink.objects.filter(pk=1).update(last_error=reason[:300])
    if refused:
        record(Action.SATELLITE_SYNC_REFUSED, actor=ACTOR, details={"reason": reason[:200]})


@transaction.atomic
def record_revoked() -> None:
    SatelliteLink.objects.filter(pk=1).update(
        revoked=True, last_error="revoked by the main instance"
    )
    record(Action.SATELLITE_SYNC_REFUSED, actor=ACTOR, details={"reason": "revoked"})


@transaction.atomic
def record_pushed(*, accepted: list[list[Any]], journal_upto: int, created: int) -> None:
    now = clock.now()
    for chain, version in accepted:
        SyncedEntry.objects.get_or_create(
            chain=str(chain), version=int(version), defaults={"origin": "local", "at": now}
        )
    SatelliteLink.objects.filter(pk=1).update(journal_pushed_seq=journal_upto, last_push_at=now)
    record(
        Action.SATELLITE_PUSHED,
        actor=ACTOR,
        details={"entries": len(accepted), "created": created, "journal_upto": journal_upto},
    )
