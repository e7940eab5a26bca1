"""Running the exports back to the HIS: FHIR bundles (files or POST) and HL7 over MLLP.

Each run takes what its channel still lacks (see ``state.due``), marks it "sent" before
anything leaves, then stores each answer; a re-run therefore sends only what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Actor
from autarcie.core.models import Unit
from autarcie.core.roles import UnitKind
from autarcie.mirror.sender import AckReceived, send_messages
from autarcie.recovery.actions import Answer, mark_answers, mark_sending
from autarcie.recovery.fhir_build import patient_bundle
from autarcie.recovery.hl7_build import Built, Sending, build_message
from autarcie.recovery.items import Item, Target, kinds_of
from autarcie.recovery.models import Channel, Status
from autarcie.recovery.records import downtime_items, establishment
from autarcie.recovery.state import due, load_state

BATCH = 200  # records per bundle at most: a long stay is cut into several transactions


class ExportError(AutarcieError):
    """An export that cannot start (bad destination, missing setting)."""


@dataclass
class ExportSummary:
    channel: str
    selected: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    waiting_identity: int = 0

    def as_text(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "nothing"
        text = f"{self.channel}: {self.selected} record(s) to send; {counts}"
        if self.files:
            text += f"; {len(self.files)} file(s) written"
        if self.waiting_identity:
            text += f"; {self.waiting_identity} waiting for identity reconciliation"
        return text


def _waiting(items: Sequence[Item], channel: str) -> int:
    return sum(1 for i in items if channel in i.channels and i.target is None and i.kind != "beds")


# --- FHIR -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    target: Target
    items: tuple[Item, ...]
    bundle: dict[str, Any]


def fhir_batches(items: Sequence[Item], finess: str, corrected: set[str]) -> list[Batch]:
    """One bundle per patient (cut every BATCH records), patients in first-record order."""
    by_patient: dict[str, list[Item]] = defaultdict(list)
    targets: dict[str, Target] = {}
    for item in items:
        assert item.target is not None  # noqa: S101 (due() keeps resolved records only)
        by_patient[item.target.key].append(item)
        targets[item.target.key] = item.target
    batches = []
    for key, records in by_patient.items():
        for start in range(0, len(records), BATCH):
            chunk = tuple(records[start : start + BATCH])
            bundle = patient_bundle(targets[key], chunk, finess, updates=corrected)
            batches.append(Batch(targets[key], chunk, bundle))
    return batches


Poster = Callable[[str, bytes], tuple[int, bytes]]


def http_post(url: str, body: bytes) -> tuple[int, bytes]:
    """POST a bundle; the one wrapper around the outbound HTTP call."""
    request = urllib.request.Request(  # noqa: S310 (the administrator's configured HIS URL)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def outcome_text(status: int, body: bytes) -> str:
    """The diagnostics of an OperationOutcome, else the HTTP status."""
    try:
        data = json.loads(body)
    except ValueError:
        return f"HTTP {status}"
    issues = data.get("issue", []) if isinstance(data, dict) else []
    texts = [
        str(i.get("diagnostics") or i.get("details", {}).get("text") or i.get("code", ""))
        for i in issues
        if isinstance(i, dict)
    ]
    return f"HTTP {status} : " + " ; ".join(t for t in texts if t) if texts else f"HTTP {status}"


def _post_answer(status: int, body: bytes) -> Answer:
    if 200 <= status < 300:
        return Answer(Status.ACKNOWLEDGED, f"HTTP {status}")
    if 400 <= status < 500:
        return Answer(Status.REJECTED, outcome_text(status, body))
    return Answer(Status.SENT, outcome_text(status, body))  # the server failed: try again later


def _corrected(items: Sequence[Item], channel: str) -> set[str]:
    state = load_state(channel)
    return {
        i.record
        for i in items
        if (row := state.get((i.record, channel))) is not None
        and row.status == Status.ACKNOWLEDGED
        and row.version < i.version
    }


def export_fhir(
    *,
    actor: Actor,
    since: dt.datetime | None = None,
    out: Path | None = None,
    post: str | None = None,
    poster: Poster = http_post,
) -> ExportSummary:
    """Write (``out``) and/or POST (``post``) transaction bundles of what FHIR still lacks."""
    if out is None and post is None:
        raise ExportError("give --out DIR, --post URL, or both")
    everything = downtime_items(since, kinds_of(Channel.FHIR))
    chosen = due(everything, Channel.FHIR, load_state(Channel.FHIR), skip_sent=post is None)
    summary = ExportSummary(
        Channel.FHIR, len(chosen), waiting_identity=_waiting(everything, "fhir")
    )
    batches = fhir_batches(chosen, establishment(), _corrected(chosen, Channel.FHIR))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    ids = {i.record: batch.bundle["id"] for batch in batches for i in batch.items}
    mark_sending(actor=actor, channel=Channel.FHIR, items=list(chosen), ids=ids)
    answers: dict[str, Answer] = {}
    stamp = f"{clock.now():%Y%m%d%H%M%S}"
    for number, batch in enumerate(batches, start=1):
        body = json.dumps(batch.bundle, ensure_ascii=False).encode("utf-8")
        if out is not None:
            name = f"bundle-{stamp}-{number:05d}.json"
            (out / name).write_bytes(body)
            summary.files.append(name)
        answer = Answer(Status.SENT, "fichier écrit")
        if post is not None:
            try:
                answer = _post_answer(*poster(post, body))
            except OSError as exc:
                answer = Answer(
                    Status.SENT, f"pas de réponse du serveur : {exc.__class__.__name__}"
                )
        answers |= {i.record: answer for i in batch.items}
    summary.counts = mark_answers(
        actor=actor,
        channel=Channel.FHIR,
        answers=answers,
        details={"bundles": len(batches), "posted": post is not None},
    )
    return summary


# --- HL7 v2 ---------------------------------------------------------------------------------


def parse_destination(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ExportError(f"--to must be HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def hl7_messages(items: Sequence[Item], at: dt.datetime) -> list[Built]:
    emergency = set(Unit.objects.filter(kind=UnitKind.EMERGENCY).values_list("code", flat=True))
    sending = Sending(establishment() or "AUTARCIE", at, emergency)
    return [build_message(item, sending) for item in items]


def _ack_answer(ack: AckReceived) -> Answer:
    if ack.code in ("AA", "CA"):
        return Answer(Status.ACKNOWLEDGED, ack.text, ack.control_id)
    if ack.code in ("AE", "AR", "CE", "CR"):
        return Answer(Status.REJECTED, f"{ack.code} : {ack.text}".strip(" :"), ack.control_id)
    return Answer(Status.SENT, "accusé de réception illisible")


def export_hl7(
    *,
    actor: Actor,
    host: str,
    port: int,
    since: dt.datetime | None = None,
    retries: int = 5,
    ack_timeout: float = 30.0,
    connections: int = 4,
) -> ExportSummary:
    """Send over MLLP, in order, one ACK awaited at a time; store each answer."""
    everything = downtime_items(since, kinds_of(Channel.HL7))
    chosen = due(everything, Channel.HL7, load_state(Channel.HL7), skip_sent=False)
    summary = ExportSummary(Channel.HL7, len(chosen), waiting_identity=_waiting(everything, "hl7"))
    built = hl7_messages(chosen, clock.now())
    ids = {b.record: b.control_id for b in built}
    mark_sending(actor=actor, channel=Channel.HL7, items=chosen, ids=ids)
    answers: dict[str, Answer] = {
        b.record: Answer(Status.SENT, "pas d'accusé de réception") for b in built
    }

    def on_ack(index: int, ack: AckReceived) -> None:
        answers[built[index].record] = _ack_answer(ack)

    report = send_messages(
        [b.raw for b in built],
        host,
        port,
        on_ack=on_ack,
        retries=retries,
        ack_timeout=ack_timeout,
        connections=connections,  # messages are spread by patient: each keeps its order
    )
    summary.counts = mark_answers(
        actor=actor,
        channel=Channel.HL7,
        answers=answers,
        details={
            "messages": len(built),
            "destination": f"{host}:{port}",
            "reconnections": report.reconnections,
        },
    )
    return summary
