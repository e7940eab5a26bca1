"""The downtime records to hand back, each with the identity the HIS knows it under.

A record is one current version of a care entry, one temporary identity, or one bed
statement. Its subject is resolved to a :class:`Target` (a real IPP, or a temporary identifier
confirmed as a new patient); a temporary identity not yet reconciled resolves to ``None`` and
its records wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings

from autarcie.care.models import BedReport, CareEntry, EntryKind, TempPatient
from autarcie.care.queries import current
from autarcie.mirror.models import Patient, Stay
from autarcie.mirror.records import assigner_of_key, identifiers_from_json, system_of_key
from autarcie.recovery.items import BEDS, IDENTITY, Item, Target
from autarcie.recovery.models import Decision, IdentityLink, LinkState


def establishment() -> str:
    """The FINESS under which identities created during the downtime are issued."""
    return str(getattr(settings, "FINESS", "") or "")


def local_authority() -> str:
    """The assigning authority of temporary identifiers (the mirror's key form)."""
    return establishment() or "AUTARCIE"


def _live_links(temp_ids: Iterable[int]) -> dict[int, IdentityLink]:
    links = IdentityLink.objects.filter(
        temp_patient_id__in=list(temp_ids), state=LinkState.CONFIRMED
    ).select_related("patient")
    return {link.temp_patient_id: link for link in links}


def _stays(patient_ids: Iterable[int]) -> dict[int, str]:
    """Patient -> NDA of the latest stay (the venue downtime records belong to)."""
    rows = Stay.objects.filter(patient_id__in=list(patient_ids)).order_by("admitted_at", "pk")
    return {stay.patient_id: stay.nda for stay in rows}


def patient_target(patient: Patient, nda: str) -> Target:
    received = identifiers_from_json(patient.identifiers)
    return Target(
        ipp=patient.ipp,
        authority=patient.authority,
        nda=nda or f"V{patient.ipp}",
        birth_family=patient.birth_family,
        used_family=patient.used_family,
        given=patient.given,
        birth_date=patient.birth_date,
        sex=patient.sex,
        new=False,
        system=system_of_key(received, patient.authority, patient.ipp),
        assigner=assigner_of_key(received, patient.authority, patient.ipp),
    )


def temp_target(temp: TempPatient, link: IdentityLink | None, nda: str) -> Target | None:
    if link is None:
        return None
    if link.decision == Decision.MATCH and link.patient is not None:
        return patient_target(link.patient, nda)
    return Target(
        ipp=temp.tempid,
        authority=local_authority(),
        nda=f"V{temp.tempid}",
        birth_family=temp.birth_family,
        used_family=temp.used_family,
        given=temp.given,
        birth_date=temp.birth_date,
        sex=temp.sex,
        new=True,
        tempid=temp.tempid,
    )


ENTRY_FIELDS = (
    "chain",
    "version",
    "cancelled",
    "unit_code",
    "written_at",
    "author_label",
    "kind",
    "data",
    "patient_id",
    "temp_patient_id",
)
EntryRow = tuple[Any, ...]  # the values of ENTRY_FIELDS: no model instance per record


class _Resolver:
    """Subjects and their targets, read once for a whole export."""

    def __init__(self, rows: list[EntryRow], temps: list[TempPatient]) -> None:
        temp_ids = {r[9] for r in rows if r[9]} - {t.pk for t in temps}
        self.temps = {t.pk: t for t in temps}
        self.temps |= {t.pk: t for t in TempPatient.objects.filter(pk__in=temp_ids)}
        self.links = _live_links(self.temps)
        patient_ids = {r[8] for r in rows if r[8]}
        patient_ids |= {link.patient_id for link in self.links.values() if link.patient_id}
        self.patients = {p.pk: p for p in Patient.objects.filter(pk__in=patient_ids)}
        self.ndas = _stays(patient_ids)
        self._targets: dict[str, Target | None] = {}

    def of_temp(self, temp: TempPatient) -> Target | None:
        key = f"temp:{temp.pk}"
        if key not in self._targets:
            link = self.links.get(temp.pk)
            nda = self.ndas.get(link.patient_id or 0, "") if link else ""
            self._targets[key] = temp_target(temp, link, nda)
        return self._targets[key]

    def of_patient(self, patient_id: int) -> Target:
        key = f"patient:{patient_id}"
        if key not in self._targets:
            patient = self.patients[patient_id]
            self._targets[key] = patient_target(patient, self.ndas.get(patient_id, ""))
        target = self._targets[key]
        assert target is not None  # noqa: S101 (a mirror patient always has one)
        return target

    def item(self, row: EntryRow) -> Item:
        chain, version, cancelled, unit, written, author, kind, data, patient_id, temp_id = row
        if temp_id:
            temp = self.temps[temp_id]
            subject, label, target = f"temp:{temp_id}", temp.tempid, self.of_temp(temp)
        else:
            target = self.of_patient(patient_id)
            subject, label = f"patient:{patient_id}", target.ipp
        return Item(
            record=f"entry:{chain}",
            kind=kind,
            version=version,
            cancelled=cancelled,
            unit_code=unit,
            written_at=written,
            author=author,
            subject=subject,
            label=label,
            target=target,
            data=dict(data),
        )


def _identity_item(temp: TempPatient, version: int, target: Target | None) -> Item:
    return Item(
        record=f"identity:{temp.tempid}",
        kind=IDENTITY,
        version=version,
        cancelled=False,
        unit_code=temp.unit_code,
        written_at=temp.created_at,
        author=temp.created_by,
        subject=f"temp:{temp.pk}",
        label=temp.tempid,
        target=target,
    )


def bed_items() -> list[Item]:
    rows = BedReport.objects.select_related("unit").order_by("recorded_at", "pk")
    return [
        Item(
            record=f"bed:{report.pk}",
            kind=BEDS,
            version=1,
            cancelled=False,
            unit_code=report.unit.code,
            written_at=report.recorded_at,
            author=report.author_label,
            subject="",
            label=report.unit.code,
            target=None,
            data={
                "ror_category": report.ror_category,
                "installed": report.installed,
                "available": report.available,
                "occupied": report.occupied,
                "closed": report.closed,
                "unit_label": report.unit.label,
            },
        )
        for report in rows
    ]


def downtime_items(
    since: dt.datetime | None = None, kinds: Collection[str] | None = None
) -> list[Item]:
    """Every record of the downtime (identities, care entries, beds), in sending order.

    ``kinds`` limits the kinds read, so an export reads only what its channel carries.
    """
    wanted = set(kinds) if kinds is not None else None
    rows = current(CareEntry.objects.exclude(kind=EntryKind.IDENTITY))
    if wanted is not None:
        rows = rows.filter(kind__in=wanted)
    temps_rows = TempPatient.objects.all() if wanted is None or IDENTITY in wanted else None
    if since is not None:
        rows = rows.filter(written_at__gte=since)
        temps_rows = temps_rows.filter(created_at__gte=since) if temps_rows is not None else None
    entries: list[EntryRow] = list(rows.values_list(*ENTRY_FIELDS))
    temps = list(temps_rows) if temps_rows is not None else []
    resolver = _Resolver(entries, temps)
    identity_versions = dict(
        current(CareEntry.objects.filter(kind=EntryKind.IDENTITY)).values_list(
            "temp_patient_id", "version"
        )
    )
    items = [_identity_item(t, identity_versions.get(t.pk, 1), resolver.of_temp(t)) for t in temps]
    items += [resolver.item(row) for row in entries]
    beds = bed_items() if wanted is None or BEDS in wanted else []
    if since is not None:
        beds = [b for b in beds if b.written_at >= since]
    items += beds
    items.sort(key=Item.order_key)
    return items
