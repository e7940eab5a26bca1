"""What every interpretation carries about its message: MSH routing and EVN times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.mirror.hl7.datatypes import pick, ts_or_none
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
    sending_app, sending_fac, receiving_app, receiving_fac, sent, code, control, proc, ver = pick(
        msh, 3, 4, 5, 6, 7, 9, 10, 11, 12
    )
    evn = msg.segment("EVN")
    recorded, operator, occurred = pick(evn, 2, 5, 6) if evn is not None else ("", "", "")
    return EventHeader(
        message_code=code,
        trigger=msg.trigger_event,
        structure=msh.text(9, 3),
        control_id=control,
        sending_application=sending_app,
        sending_facility=sending_fac,
        receiving_application=receiving_app,
        receiving_facility=receiving_fac,
        sent_at=ts_or_none(msh, 7, sent),
        processing_id=proc,
        version=ver,
        recorded_at=ts_or_none(evn, 2, recorded) if evn is not None else None,
        occurred_at=ts_or_none(evn, 6, occurred) if evn is not None else None,
        operator=operator,
    )
