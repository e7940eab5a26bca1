"""The HL7 feed: every message in time order, one file per day (older ones in a backlog)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from autarcie.demo.synth.clinical import allergies_of
from autarcie.demo.synth.hl7_messages import (
    adt_message,
    document_message,
    lab_message,
    prescription_message,
)
from autarcie.demo.synth.hl7_segments import PARIS
from autarcie.demo.synth.stays import Stay, VisitSnapshot, snapshot

if TYPE_CHECKING:
    from autarcie.demo.synth.generate import World

# (time, order, kind, message builder arguments): kind names the message for counting.
_Pending = tuple[dt.datetime, int, str, object]


def visit_at(stay: Stay, moment: dt.datetime) -> VisitSnapshot:
    """The stay as it stood at `moment` (the location of the segment then open)."""
    current = snapshot(stay)
    for segment in stay.segments:
        if segment.start <= moment and (segment.end is None or moment < segment.end):
            return replace(current, location=segment.location)
    return current


def _messages(world: World) -> list[tuple[dt.datetime, int, str, str]]:
    """(time, order, kind, body) for every message; bodies carry a placeholder control id."""
    hospital = world.hospital
    out: list[tuple[dt.datetime, int, str, str]] = []
    for event in world.sim.events:
        allergies = allergies_of(world.seed, event.patient) if event.with_allergies else ()
        out.append(
            (
                event.at,
                event.seq,
                f"ADT^{event.trigger}",
                adt_message(hospital, event, "{ID}", allergies),
            )
        )
    order = len(out)
    for record in world.records:
        stay, patient = record.stay, record.stay.patient
        for lab in record.labs:
            order += 1
            visit = visit_at(stay, lab.reported_at)
            out.append(
                (
                    lab.reported_at,
                    order,
                    "ORU^R01 lab",
                    lab_message(hospital, patient, visit, lab, "{ID}"),
                )
            )
            if lab.correction:
                order += 1
                out.append(
                    (
                        lab.correction[2],
                        order,
                        "ORU^R01 lab correction",
                        lab_message(hospital, patient, visit, lab, "{ID}", corrected=True),
                    )
                )
        for doc in record.documents:
            order += 1
            out.append(
                (
                    doc.at,
                    order,
                    "ORU^R01 document",
                    document_message(hospital, patient, visit_at(stay, doc.at), doc, "{ID}"),
                )
            )
        for rx in record.prescriptions:
            order += 1
            out.append(
                (
                    rx.start,
                    order,
                    "RDE^O11",
                    prescription_message(hospital, patient, visit_at(stay, rx.start), rx, "{ID}"),
                )
            )
    out.sort(key=lambda item: (item[0], item[1]))
    return out


def write_hl7(folder: Path, world: World) -> tuple[dict[str, int], list[str]]:
    """Write `backlog.hl7` (before the window) and `day-YYYYMMDD.hl7` files, in time order.

    Segments end with `\\r`, messages with `\\n`; MSH-10 is a running number, so unique.
    """
    folder.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    by_file: dict[str, list[str]] = {}
    for number, (at, _order, kind, body) in enumerate(_messages(world), start=1):
        name = "backlog.hl7" if at < world.start else f"day-{at.astimezone(PARIS):%Y%m%d}.hl7"
        by_file.setdefault(name, []).append(body.replace("{ID}", f"MSG{number:010d}", 1))
        counts[kind] += 1
    for name, bodies in by_file.items():
        (folder / name).write_text("\n".join(bodies) + "\n", encoding="utf-8", newline="")
    return dict(sorted(counts.items())), sorted(by_file)
