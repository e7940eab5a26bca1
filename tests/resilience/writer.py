"""A feed writer in its own process: HL7 admissions through the real ingest, one per batch.

Run as ``python -m tests.resilience.writer COUNT [FIRST]`` (COUNT 0: until stdin closes).
After each batch commits it prints ``ACK <control id>``: a line the parent reads is an
acknowledged message.
"""

from __future__ import annotations

import os
import sys
import threading

from tests.mirror_db.builders import adt

FAMILY = "ZORGLUBEAU"


def main(count: int, first: int = 1) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autarcie.settings")
    import django

    django.setup()
    from autarcie.core import clock
    from autarcie.mirror.ingest import Received, ingest_hl7_batch
    from autarcie.mirror.senders import parse_policy

    stop = threading.Event()

    def until_stdin_closes() -> None:
        sys.stdin.read()
        stop.set()

    if count == 0:
        threading.Thread(target=until_stdin_closes, daemon=True).start()
    policy = parse_policy("127.0.0.0/8")
    n = first - 1
    while not stop.is_set() and (count == 0 or n < first - 1 + count):
        n += 1
        control = f"W{n:07d}"
        raw = adt("A01", control, ipp=f"IPP{n:07d}", nda=f"NDA{n:07d}", family=FAMILY)
        outcomes = ingest_hl7_batch([Received(raw, "127.0.0.1", clock.now())], policy, clock.now())
        assert outcomes[0].code == "AA", outcomes[0]
        print(f"ACK {control}", flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
