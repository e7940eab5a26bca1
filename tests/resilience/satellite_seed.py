"""Steps run inside one instance's own process, for the satellite tests.

``python -m tests.resilience.satellite_seed VERB [ARG…]`` with AUTARCIE_DATA_DIR set:

- ``hospital``: units 2010 and 2020, a nurse of 2010, and admissions in both units (HL7);
- ``admit N UNIT FAMILY``: one more admission through the real ingest;
- ``transfer N UNIT``: move patient N to another unit;
- ``care``: on a satellite, admit a patient under a delegated identifier and write a note
  about a mirror patient; prints the identifier.
- ``patients``: families present, then every family held;
- ``forget-acks``: lose the satellite's record of what was pushed;
- ``count TEMPID``: on the main, prints temp patients with TEMPID, care entries, journal rows.
"""

from __future__ import annotations

import os
import sys

from tests.mirror_db.builders import adt

NURSE = "infirmiere2010"
NURSE_PASSWORD = "correct-horse-battery-42"
IN_2010 = ("MARTINEZ", "LEGRAND", "FONTAINE")
IN_2020 = ("ZIDANE", "OKONKWO")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autarcie.settings")
    import django

    django.setup()


def _admit(n: int, unit: str, family: str, trigger: str = "A01") -> None:
    from autarcie.core import clock
    from autarcie.mirror.ingest import Received, ingest_hl7_batch
    from autarcie.mirror.senders import parse_policy

    raw = adt(
        trigger,
        f"S{n:05d}{trigger}",
        ipp=f"IPP{n:05d}",
        nda=f"NDA{n:05d}",
        family=family,
        given="CLAIRE",
        unit=unit,
        room=f"{n:02d}",
        movement=f"MVT{n}{trigger}",
        start=f"2025011{n % 10}080000",
    )
    now = clock.now()
    outcome = ingest_hl7_batch([Received(raw, "127.0.0.1", now)], parse_policy("127.0.0.0/8"), now)
    assert outcome[0].code == "AA", outcome[0]


def hospital() -> None:
    from autarcie.core import actions
    from autarcie.core.roles import Role, UnitKind

    actions.create_unit(
        actor="system:test", code="2010", label="Cardiologie", kind=UnitKind.MEDICINE
    )
    actions.create_unit(
        actor="system:test", code="2020", label="Pneumologie", kind=UnitKind.MEDICINE
    )
    for n, family in enumerate(IN_2010, start=1):
        _admit(n, "2010", family)
    for n, family in enumerate(IN_2020, start=10):
        _admit(n, "2020", family)
    actions.create_user(
        actor="system:test",
        username=NURSE,
        password=NURSE_PASSWORD,
        roles=[Role.NURSE],
        units=actions.resolve_units(["2010"]),
        full_name="Infirmière de cardiologie",
    )


def care() -> None:
    from autarcie.care.actions import admit_temporary, record_entry
    from autarcie.care.queries import Subject
    from autarcie.core.models import TempIdBlock, User
    from autarcie.core.tempids import format_tempid
    from autarcie.mirror.models import Patient

    nurse = User.objects.get(username=NURSE)
    block = TempIdBlock.objects.get(holder_type="satellite")
    tempid = format_tempid(block.site, block.last)  # kits take theirs from the start
    admit_temporary(
        actor=nurse,
        identity={"tempid": tempid, "birth_family": "INCONNU", "given": "PATIENT", "sex": "M"},
        unit_code="2010",
        room="40",
        bed="1",
    )
    patient = Patient.objects.get(birth_family="MARTINEZ")
    record_entry(
        actor=nurse,
        subject=Subject(patient=patient),
        kind="note",
        data={"category": "nursing", "text": "Transmission écrite sur le satellite"},
    )
    print(tempid)


def count(tempid: str) -> None:
    from autarcie.care.models import CareEntry, TempPatient
    from autarcie.core.models import JournalEntry
    from autarcie.resilience.models import SatelliteJournalEntry

    temps = TempPatient.objects.filter(tempid=tempid).count()
    notes = sum(
        "satellite" in e.data.get("text", "") for e in CareEntry.objects.filter(kind="note")
    )
    imported = JournalEntry.objects.filter(action="satellite.care_imported").count()
    journal = SatelliteJournalEntry.objects.count()
    print(f"temps={temps} notes={notes} imported={imported} satellite_journal={journal}")


def patients() -> None:
    from autarcie.mirror.models import Patient, Stay

    present = Stay.objects.filter(status__in=("admitted", "on_leave"))
    print(" ".join(sorted(present.values_list("patient__birth_family", flat=True))))
    print(" ".join(sorted(Patient.objects.values_list("birth_family", flat=True))))


def forget_acks() -> None:
    """As if the main's acknowledgement of the last push had been lost on the way."""
    from autarcie.resilience.models import SatelliteLink, SyncedEntry

    SyncedEntry.objects.filter(origin="local").delete()
    SatelliteLink.objects.update(journal_pushed_seq=0)


def main(argv: list[str]) -> None:
    _setup()
    verb, args = argv[0], argv[1:]
    if verb == "hospital":
        hospital()
    elif verb == "admit":
        _admit(int(args[0]), args[1], args[2])
    elif verb == "transfer":
        _admit(int(args[0]), args[1], args[2], trigger="A02")
    elif verb == "care":
        care()
    elif verb == "patients":
        patients()
    elif verb == "forget-acks":
        forget_acks()
    elif verb == "count":
        count(args[0])
    else:
        raise SystemExit(f"unknown verb {verb}")


if __name__ == "__main__":
    main(sys.argv[1:])
