"""What every interpretation carries about its message: MSH routing and EVN times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.mirror.hl7.datatypes import leaves, ts_or_none
from autarcie.mirror.hl7.parser import Message


@dataclass(frozen=True, slots=True)
class EventHeader:
    """MSH-3..12 and EVN-2/5/6. Times are aware UTC; None when the message leaves them empty."""

    message_code: str
    trigger: str
    structure: str
    control_id: str
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    sent_at: dt.datetime | None
    processing_id: str
    version: str
    recorded_at: dt.datetime | None
    occurred_at: dt.datetime | None
    operator: str


def read_header(msg: Message) -> EventHeader:
    msh = msg.msh
    f = leaves(msh, 12)
    evn = msg.segment("EVN")
    e = leaves(evn, 6) if evn is not None else [""] * 7
    return EventHeader(
        message_code=f[9],
        trigger=msh.text(9, 2),
        structure=msh.text(9, 3),
        control_id=f[10],
        sending_application=f[3],
        sending_facility=f[4],
        receiving_application=f[5],
        receiving_facility=f[6],
        sent_at=ts_or_none(msh, 7, f[7]),
        processing_id=f[11],
        version=f[12],
        recorded_at=ts_or_none(evn, 2, e[2]) if evn is not None else None,
        occurred_at=ts_or_none(evn, 6, e[6]) if evn is not None else None,
        operator=e[5],
    )
