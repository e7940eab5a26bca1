"""File exports of the downtime: the daily RPU files and the ROR bed-availability updates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from autarcie.core import clock
from autarcie.core.csv_export import Cell, csv_text
from autarcie.core.journal import Actor
from autarcie.recovery.actions import Answer, mark_answers, mark_sending
from autarcie.recovery.exports import ExportError, ExportSummary
from autarcie.recovery.items import Item
from autarcie.recovery.models import Channel, Status
from autarcie.recovery.records import bed_items, downtime_items, establishment
from autarcie.recovery.ror import ROR_CSV_COLUMNS, dispolits_parameters, ror_csv_row
from autarcie.recovery.rpu import RpuPassage, check_file, daily_files, format_report
from autarcie.recovery.rpu.rules import check_finess
from autarcie.recovery.state import due, load_state

PARIS = ZoneInfo("Europe/Paris")


def _moment(value: object) -> dt.datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def rpu_passage(item: Item, sex: str, birth_date: dt.date | None) -> RpuPassage:
    """The RPU items of one recorded passage (the form stored them already checked)."""
    data = item.data
    entry = _moment(data.get("entry")) or item.written_at
    return RpuPassage(
        postcode=str(data.get("postcode", "")),
        town=str(data.get("town", "")).upper(),
        birth_date=birth_date,
        sex={"M": "M", "F": "F"}.get(sex, "I" if sex else ""),
        entry=entry,
        entry_mode=str(data.get("entry_mode", "")),
        provenance=str(data.get("provenance", "")),
        transport=str(data.get("transport", "")),
        transport_care=str(data.get("transport_care", "")),
        reason=str(data.get("reason", "")),
        ccmu=str(data.get("ccmu", "")),
        main_diagnosis=str(data.get("main_diagnosis", "")),
        other_diagnoses=tuple(data.get("other_diagnoses") or ()),
        procedures=tuple(data.get("procedures") or ()),
        exit=_moment(data.get("exit")),
        exit_mode=str(data.get("exit_mode", "")),
        destination=str(data.get("destination", "")),
        orientation=str(data.get("orientation", "")),
    )


def _subjects(items: Sequence[Item]) -> dict[str, tuple[str, dt.date | None]]:
    """Subject key -> (sex, birth date): the only identity an RPU carries."""
    from autarcie.care.models import TempPatient
    from autarcie.mirror.models import Patient

    temps = [int(i.subject[5:]) for i in items if i.subject.startswith("temp:")]
    patients = [int(i.subject[8:]) for i in items if i.subject.startswith("patient:")]
    found = {
        f"temp:{t.pk}": (t.sex, t.birth_date) for t in TempPatient.objects.filter(pk__in=temps)
    }
    found |= {
        f"patient:{p.pk}": (p.sex, p.birth_date) for p in Patient.objects.filter(pk__in=patients)
    }
    return found


def _finess(finess: str | None) -> str:
    value = finess or establishment()
    if not value:
        raise ExportError("no FINESS: give --finess or set AUTARCIE_FINESS")
    errors = [i.message for i in check_finess(value) if i.severity == "error"]
    if errors:
        raise ExportError(f"FINESS {value!r}: {errors[0]}")
    return value


def export_rpu(
    *, actor: Actor, first: dt.date, last: dt.date, out: Path, finess: str | None = None
) -> ExportSummary:
    """The daily OSCOUR files of every passage entered from ``first`` to ``last`` (Paris days).

    Every file is checked (schema and rules) before any record is marked as handed over.
    """
    code = _finess(finess)
    passages = [
        i
        for i in due(
            downtime_items(kinds={"passage"}), Channel.RPU, load_state(Channel.RPU), skip_sent=False
        )
        if i.kind == "passage"
    ]
    people = _subjects(passages)
    chosen: list[tuple[Item, RpuPassage]] = []
    for item in passages:
        sex, birth = people.get(item.subject, ("", None))
        passage = rpu_passage(item, sex, birth)
        if first <= passage.entry_day() <= last:
            chosen.append((item, passage))
    if not chosen:
        return ExportSummary(Channel.RPU)  # nothing new: no empty file to confuse the region
    files = daily_files([p for _, p in chosen], code, (first, last), clock.now())
    for name, data in files:
        report = check_file(data)
        if not (report.ok and report.passes_xsd):
            raise ExportError(f"RPU file {name} fails its checks:\n{format_report(report, name)}")
    out.mkdir(parents=True, exist_ok=True)
    day_file = {dt.date(int(n[-18:-14]), int(n[-14:-12]), int(n[-12:-10])): n for n, _ in files}
    for name, data in files:
        (out / name).write_bytes(data)
    items = [item for item, _ in chosen]
    names = {item.record: day_file.get(p.entry_day(), "") for item, p in chosen}
    mark_sending(actor=actor, channel=Channel.RPU, items=items, ids=names)
    answers = {i.record: Answer(Status.ACKNOWLEDGED, f"fichier {names[i.record]}") for i in items}
    summary = ExportSummary(Channel.RPU, len(items), files=[n for n, _ in files])
    summary.counts = mark_answers(
        actor=actor,
        channel=Channel.RPU,
        answers=answers,
        details={"files": summary.files, "from": first.isoformat(), "to": last.isoformat()},
    )
    return summary


def export_ror(*, actor: Actor, out: Path, finess: str | None = None) -> ExportSummary:
    """One DispoLits ``Parameters`` per bed statement not yet exported, and their CSV."""
    code = _finess(finess)
    items = due(bed_items(), Channel.ROR, load_state(Channel.ROR), skip_sent=False)
    out.mkdir(parents=True, exist_ok=True)
    stamp = f"{clock.now().astimezone(PARIS):%Y%m%d%H%M%S}"
    names: dict[str, str] = {}
    rows: list[Sequence[Cell]] = [ROR_CSV_COLUMNS]
    for number, item in enumerate(items, start=1):
        body: dict[str, Any] = dispolits_parameters(item)
        name = f"ror-dispolits-{stamp}-{number:04d}-{item.unit_code}.json"
        (out / name).write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        names[item.record] = name
        rows.append(ror_csv_row(item, code))
    csv_name = f"ror-dispolits-{stamp}.csv"
    (out / csv_name).write_text(csv_text(rows), encoding="utf-8", newline="")
    mark_sending(actor=actor, channel=Channel.ROR, items=items, ids=names)
    answers = {i.record: Answer(Status.ACKNOWLEDGED, f"fichier {names[i.record]}") for i in items}
    summary = ExportSummary(Channel.ROR, len(items), files=[*names.values(), csv_name])
    summary.counts = mark_answers(
        actor=actor, channel=Channel.ROR, answers=answers, details={"files": len(names) + 1}
    )
    return summary
