"""The main instance's side of a push: care recorded on a satellite, and its journal, taken in.

Each care entry version is taken once, whatever the number of pushes (a version is known by its
chain and number); a temporary identity must come from the block delegated to that satellite;
the satellite's journal must continue the chain already received. Anything wrong refuses the
whole push, nothing half-taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from autarcie.care.models import CareEntry, TempPatient
from autarcie.core.journal import GENESIS_HASH, Action, Actor, _entry_hash, record
from autarcie.core.models import JournalEntry, TempIdBlock, User
from autarcie.core.tempids import _PATTERN, is_valid
from autarcie.mirror.models import Patient
from autarcie.resilience.models import Satellite, SatelliteJournalEntry
from autarcie.resilience.satellite_crypto import SatelliteError
from autarcie.resilience.satellite_rows import instance


class PushRefused(SatelliteError):
    """A push breaks a rule; nothing of it was taken."""


@dataclass
class Imported:
    accepted: list[tuple[str, int]] = field(default_factory=list)
    created: int = 0
    temps: int = 0
    journal_upto: int = 0
    journal_added: int = 0


def _in_block(satellite: Satellite, tempid: str) -> bool:
    match = _PATTERN.match(tempid)
    if match is None or not is_valid(tempid):
        return False
    site, sequence = match.group(1), int(match.group(2))
    return TempIdBlock.objects.filter(
        site=site,
        first__lte=sequence,
        last__gte=sequence,
        holder_type="satellite",
        holder_id=satellite.uid,
    ).exists()


def _temps(satellite: Satellite, rows: list[dict[str, Any]], done: Imported) -> None:
    for row in rows:
        tempid = str(row.get("tempid", ""))
        if not _in_block(satellite, tempid):
            raise PushRefused(
                f"the temporary identifier {tempid[:12]!r} is not from the block delegated "
                f"to satellite {satellite.name}"
            )
        fresh = instance(TempPatient, row)
        current = TempPatient.objects.filter(tempid=tempid).first()
        if current is None:
            done.temps += 1
        else:
            fresh.pk = current.pk
        fresh.save()


def _subject(ref: str) -> dict[str, Any]:
    kind, _, key = ref.partition(":")
    if kind == "p":
        patient = Patient.objects.filter(rkey=key).first()
        if patient is not None:
            return {"patient": patient}
    elif kind == "t":
        temp = TempPatient.objects.filter(tempid=key).first()
        if temp is not None:
            return {"temp_patient": temp}
    raise PushRefused("a pushed care entry is about a patient the main instance does not know")


def _entries(satellite: Satellite, rows: list[dict[str, Any]], done: Imported) -> None:
    for row in rows:
        key = (str(row["chain"]), int(row["version"]))
        done.accepted.append(key)
        if CareEntry.objects.filter(chain=key[0], version=key[1]).exists():
            continue
        subject = _subject(str(row["subject"]))
        author = User.objects.filter(username=row.get("author_username") or "").first()
        entry = instance(CareEntry, row, author=author, **subject)
        entry.save(force_insert=True)
        done.created += 1
        target = (
            ("temp_patient", entry.temp_patient_id)
            if entry.temp_patient_id
            else (
                "patient",
                entry.patient_id,
            )
        )
        record(
            Action.SATELLITE_CARE_IMPORTED,
            actor=f"system:satellite:{satellite.uid}",
            target_type=target[0],
            target_id=str(target[1]),
            details={
                "satellite": satellite.name,
                "entry": entry.pk,
                "kind": entry.kind,
                "chain": entry.chain,
                "version": entry.version,
                "unit": entry.unit_code,
            },
        )


def _journal(satellite: Satellite, rows: list[dict[str, Any]], done: Imported) -> None:
    last = SatelliteJournalEntry.objects.filter(satellite=satellite).order_by("-seq").first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    for row in sorted(rows, key=lambda r: int(r["seq"])):
        if int(row["seq"]) <= seq:
            continue  # pushed before
        entry = JournalEntry(
            seq=int(row["seq"]),
            at=dt.datetime.fromisoformat(row["at"]),
            actor=str(row["actor"]),
            action=str(row["action"]),
            target_type=str(row["target_type"]),
            target_id=str(row["target_id"]),
            details=row["details"],
            prev_hash=str(row["prev_hash"]),
        )
        if entry.seq != seq + 1 or entry.prev_hash != prev or _entry_hash(entry) != row["hash"]:
            raise PushRefused(
                f"the journal of satellite {satellite.name} does not verify at entry "
                f"{entry.seq}: it was altered, or entries are missing"
            )
        SatelliteJournalEntry.objects.create(
            satellite=satellite,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            details=entry.details,
            prev_hash=entry.prev_hash,
            hash=row["hash"],
        )
        seq, prev = entry.seq, str(row["hash"])
        done.journal_added += 1
    done.journal_upto = seq


@transaction.atomic
def import_push(*, actor: Actor, satellite: Satellite, body: dict[str, Any]) -> Imported:
    """Take one push in, journaled; PushRefused (and nothing taken) if any rule is broken."""
    done = Imported()
    _journal(satellite, list(body.get("journal", [])), done)
    _temps(satellite, list(body.get("temps", [])), done)
    _entries(satellite, list(body.get("entries", [])), done)
    record(
        Action.SATELLITE_JOURNAL_IMPORTED,
        actor=actor,
        target_type="satellite",
        target_id=satellite.pk,
        details={
            "satellite": satellite.name,
            "journal_added": done.journal_added,
            "journal_upto": done.journal_upto,
            "entries_created": done.created,
            "entries_already_held": len(done.accepted) - done.created,
            "temp_patients_created": done.temps,
        },
    )
    return done
