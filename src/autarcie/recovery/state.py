"""Reading the export state: what each channel still needs, and each record's overall status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autarcie.recovery.items import Item, needs_identity
from autarcie.recovery.models import ExportRecord, Status

WAITING_IDENTITY = "waiting_identity"
DONE = "done"
NOTHING = "nothing"  # e.g. a cancelled entry that never left Autarcie
STATUS_LABELS = {
    WAITING_IDENTITY: "identité à rapprocher",
    DONE: "terminé",
    NOTHING: "rien à transmettre",
    Status.PENDING: "à envoyer",
    Status.SENT: "envoyé, sans réponse",
    Status.ACKNOWLEDGED: "accepté",
    Status.REJECTED: "refusé",
}


@dataclass(frozen=True, slots=True)
class Row:
    """What the export state says of one record on one channel (a light read of ExportRecord)."""

    status: str
    version: int
    answer: str
    sent_by: str


State = dict[tuple[str, str], Row]


def load_state(channel: str | None = None) -> State:
    rows = ExportRecord.objects.all()
    if channel is not None:
        rows = rows.filter(channel=channel)
    fields = ("record", "channel", "status", "version", "answer", "sent_by")
    return {(r, c): Row(s, v, a, b) for r, c, s, v, a, b in rows.values_list(*fields)}


def is_done(row: Row | None, item: Item) -> bool:
    return row is not None and row.status == Status.ACKNOWLEDGED and row.version >= item.version


def due(items: Iterable[Item], channel: str, state: State, *, skip_sent: bool) -> list[Item]:
    """The records a run on ``channel`` must send: not acknowledged in their current version.

    ``skip_sent`` also skips records already handed over without an answer (a file export).
    An unreconciled identity's records wait; a cancelled entry never sent stays home.
    """
    chosen = []
    for item in items:
        if channel not in item.channels or needs_identity(item):
            continue
        row = state.get((item.record, channel))
        if is_done(row, item):
            continue
        if item.cancelled and row is None:
            continue
        handed_over = row is not None and row.status == Status.SENT and row.version >= item.version
        if skip_sent and handed_over:
            continue
        chosen.append(item)
    return chosen


@dataclass(frozen=True)
class RecordStatus:
    item: Item
    status: str  # one of STATUS_LABELS
    per_channel: dict[str, str]
    answer: str
    sent_by: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def finished(self) -> bool:
        return self.status in (DONE, NOTHING)


def record_status(item: Item, state: State) -> RecordStatus:
    if needs_identity(item):
        return RecordStatus(item, WAITING_IDENTITY, {}, "", "")
    per: dict[str, str] = {}
    answer = sent_by = ""
    for channel in item.channels:
        row = state.get((item.record, channel))
        if row is None:
            per[channel] = Status.PENDING
            continue
        if row.version < item.version and row.status != Status.REJECTED:
            per[channel] = Status.PENDING
        else:
            per[channel] = row.status
        answer = answer or (row.answer if row.status == Status.REJECTED else "")
        sent_by = sent_by or row.sent_by
    if item.cancelled and not any((item.record, c) in state for c in item.channels):
        return RecordStatus(item, NOTHING, per, answer, sent_by)
    values = set(per.values())
    if not values or values == {Status.ACKNOWLEDGED}:
        return RecordStatus(item, DONE, per, answer, sent_by)
    for worst in (Status.REJECTED, Status.SENT, Status.PENDING):
        if worst in values:
            return RecordStatus(item, str(worst), per, answer, sent_by)
    return RecordStatus(item, Status.PENDING, per, answer, sent_by)
