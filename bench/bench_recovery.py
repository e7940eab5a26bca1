"""Exporting a whole downtime back: FHIR bundles, HL7 over MLLP, RPU files and ROR updates.

Records about 10,000 downtime records of every kind (``--small``: about 1,000) through the
care actions on a fresh instance, confirms every temporary identity, then times each export
and checks what it wrote: every bundle against the FHIR R4B models, every HL7 message with
the project's own reader, every RPU file with its schema and rules. Baseline, same run:
reading the records and their export state, which every export must do first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PATIENTS_FULL, PATIENTS_SMALL = 1000, 100


def _prepare(root: Path) -> None:
    os.environ.pop("DB", None)
    os.environ["AUTARCIE_MODE"] = "demo"
    os.environ["AUTARCIE_FINESS"] = "350005179"
    os.environ["AUTARCIE_LOG_LEVEL"] = "WARNING"
    from autarcie.core.commands import initialise

    initialise(root / "data", key_file=root / "data.key", mode="demo")


def _record(patients: int) -> int:
    """Each patient: identity, admission, passage, vitals x3, result, note, prescription,
    administration, transfer, discharge; plus a bed statement every ten patients."""
    from django.db import transaction

    from autarcie.care import actions, bed_actions
    from autarcie.care.queries import Subject
    from autarcie.core import actions as core_actions
    from autarcie.core import clock
    from autarcie.core.roles import Role, UnitKind
    from autarcie.core.tempids import allocate_block
    from autarcie.recovery.actions import confirm_link, propose_link

    er = core_actions.create_unit(
        actor="system:bench", code="1000", label="Urgences", kind=UnitKind.EMERGENCY, beds=30
    )
    core_actions.create_unit(
        actor="system:bench", code="2010", label="Médecine", kind=UnitKind.MEDICINE, beds=40
    )
    icu = core_actions.create_unit(
        actor="system:bench", code="3000", label="Réanimation", kind=UnitKind.ICU, beds=12
    )
    bed_actions.configure_critical_unit(
        actor="system:bench", unit=icu, ror_category="121", installed=12
    )
    users = [
        core_actions.create_user(
            actor="system:bench",
            username=f"adm{n}",
            password=secrets.token_urlsafe(18),
            roles=[Role.SECRETARY],
            all_units=True,
        )
        for n in (1, 2)
    ]
    block = allocate_block(
        actor="system:bench", holder_type="unit", holder_id="1000", size=patients
    )
    start = clock.now() - dt.timedelta(hours=patients // 10 + 4)
    with transaction.atomic():
        for n, tempid in enumerate(block.identifiers()):
            at = start + dt.timedelta(minutes=6 * n)
            temp = actions.admit_temporary(
                actor="system:bench",
                identity={
                    "tempid": tempid,
                    "birth_family": f"BANC{n:04d}",
                    "given": "Alex",
                    "birth_date": "1970-01-02",
                    "sex": "FM"[n % 2],
                },
                unit_code=er.code,
                written_at=at,
                accept_duplicates=True,
            )
            _care(actions, Subject(temp=temp), at)
            confirm_link(actor=users[1], link=propose_link(actor=users[0], temp=temp, patient=None))
            if n % 10 == 0:
                bed_actions.update_beds(
                    actor="system:bench", unit=icu, available=n % 12, occupied=12 - n % 12, closed=0
                )
    from autarcie.recovery.records import downtime_items

    return len(downtime_items())


def _care(actions: Any, subject: Any, at: dt.datetime) -> None:
    def put(kind: str, minutes: int, data: dict[str, Any]) -> Any:
        return actions.record_entry(
            actor="system:bench",
            subject=subject,
            kind=kind,
            written_at=at + dt.timedelta(minutes=minutes),
            data=data,
        )

    put(
        "passage",
        1,
        {
            "entry": at.isoformat(),
            "entry_mode": "8",
            "provenance": "5",
            "transport": "PERSO",
            "transport_care": "AUCUN",
            "reason": "R074",
            "ccmu": "2",
            "main_diagnosis": "R074",
            "exit": (at + dt.timedelta(hours=2)).isoformat(),
            "exit_mode": "6",
            "destination": "1",
            "orientation": "MED",
            "postcode": "35000",
            "town": "Rennes",
        },
    )
    for k in range(3):
        put(
            "vitals",
            10 + k * 30,
            {
                "systolic": 120 + k,
                "diastolic": 70,
                "heart_rate": 80,
                "temperature": "37.2",
                "spo2": 97,
            },
        )
    put(
        "result",
        40,
        {
            "document": "bon papier",
            "test_label": "Kaliémie",
            "value": "4.1",
            "unit": "mmol/L",
            "reference_range": "3.5-5.0",
        },
    )
    put("note", 50, {"category": "nursing", "text": "Patient installé."})
    order = put(
        "prescription",
        60,
        {"drug_label": "Paracétamol 1 g", "dose": "1 g", "route": "PO", "frequency": "3/j"},
    )
    put(
        "administration",
        70,
        {"prescription": f"care:{order.chain}", "status": "given", "dose": "1 g"},
    )
    put("movement", 120, {"movement": "transfer", "unit_code": "2010"})
    put("movement", 300, {"movement": "discharge"})


class _Acker(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        from autarcie.mirror.hl7.mllp import MllpDecoder, frame
        from autarcie.mirror.sender import control_id_of

        decoder = MllpDecoder()
        while data := self.request.recv(65536):
            for raw in decoder.feed(data):
                control = control_id_of(raw)
                self.request.sendall(
                    frame(
                        f"MSH|^~\\&|SIH|X|AUTARCIE|X|20260101000000||ACK|A{control}|P|2.5\r"
                        f"MSA|AA|{control}\r".encode()
                    )
                )


def _validate(out: Path) -> tuple[int, int, int]:
    """(FHIR resources checked, HL7 messages checked, errors)."""
    from fhir.resources.R4B.bundle import Bundle

    resources = errors = 0
    for path in (out / "fhir").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            Bundle.model_validate(data)
        except ValueError:
            errors += 1
        resources += len(data["entry"])
    from autarcie.recovery.rpu import check_file

    for path in (out / "rpu").glob("*.xml"):
        report = check_file(path.read_bytes())
        errors += 0 if report.ok and report.passes_xsd else 1
    return resources, 0, errors


def _hl7_errors() -> tuple[int, int]:
    from autarcie.core import clock
    from autarcie.mirror.hl7.interpret import interpret
    from autarcie.mirror.hl7.parser import parse_message
    from autarcie.recovery.exports import hl7_messages
    from autarcie.recovery.records import downtime_items

    items = [i for i in downtime_items() if "hl7" in i.channels and i.target is not None]
    errors = 0
    built = hl7_messages(items, clock.now())
    for message in built:
        try:
            interpret(parse_message(message.raw))
        except Exception:
            errors += 1
    return len(built), errors


def _run(out: Path) -> dict[str, float]:
    from autarcie.core import clock
    from autarcie.recovery.exports import export_fhir, export_hl7
    from autarcie.recovery.files import export_ror, export_rpu
    from autarcie.recovery.records import downtime_items
    from autarcie.recovery.state import load_state

    times: dict[str, float] = {}
    started = time.perf_counter()
    downtime_items()
    load_state()
    times["baseline: read records and state"] = time.perf_counter() - started
    started = time.perf_counter()
    export_fhir(actor="system:bench", out=out / "fhir")
    times["fhir (bundles written)"] = time.perf_counter() - started
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Acker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.perf_counter()
    export_hl7(actor="system:bench", host="127.0.0.1", port=server.server_address[1])
    times["hl7 (MLLP, one ACK at a time)"] = time.perf_counter() - started
    server.shutdown()
    today = clock.now().date()
    started = time.perf_counter()
    export_rpu(
        actor="system:bench",
        first=today - dt.timedelta(days=10),
        last=today + dt.timedelta(days=1),
        out=out / "rpu",
    )
    export_ror(actor="system:bench", out=out / "ror")
    times["rpu + ror files"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="about 1,000 records")
    parser.add_argument("--patients", type=int, help="how many patients (12 records each)")
    args = parser.parse_args()
    patients = args.patients or (PATIENTS_SMALL if args.small else PATIENTS_FULL)
    with tempfile.TemporaryDirectory(prefix="bench-recovery-") as tmp:
        root = Path(tmp)
        _prepare(root)
        print(f"recording the downtime of {patients} patients …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        records = _record(patients)
        print(f"{records} records recorded in {time.perf_counter() - started:.0f} s")
        times = _run(root / "out")
        exports = sum(v for k, v in times.items() if not k.startswith("baseline"))
        for name, seconds in times.items():
            print(f"{name:36s} {seconds:7.2f} s")
        base = times["baseline: read records and state"]
        print(
            f"{'all exports':36s} {exports:7.2f} s  ({records / exports:.0f} records/s, "
            f"{exports / base:.1f}x the baseline read); target < 10 s for 10,000 records"
        )
        resources, _, errors = _validate(root / "out")
        messages, hl7_errors = _hl7_errors()
        print(
            f"validation: {resources} FHIR entries, {messages} HL7 messages, every RPU file: "
            f"{errors + hl7_errors} error(s)"
        )


if __name__ == "__main__":
    main()
