"""Historical patients for scale tests: identities and past stays, streamed one at a time."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from autarcie.demo.synth.fhir_resources import (
    V2_0203,
    instant,
    nda_system,
    patient,
    ref,
)
from autarcie.demo.synth.hospital import Hospital
from autarcie.demo.synth.names import NamePools
from autarcie.demo.synth.people import PatientFactory

# Far above the live hospital's counters, so historical IPP/NDA never collide with them.
FIRST_HISTORICAL_IPP = 100_000_000
FIRST_HISTORICAL_NDA = 500_000_000


def historical_resources(
    hospital: Hospital, pools: NamePools, seed: int, count: int, before: dt.datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (resource type, resource) for `count` past patients; nothing is kept."""
    factory = PatientFactory(seed, pools, before.date(), first_ipp=FIRST_HISTORICAL_IPP)
    rng = random.Random(f"{seed}:history")  # noqa: S311 (synthetic data, not secrets)
    units = [u for u in hospital.units if u.beds]
    nda = FIRST_HISTORICAL_NDA
    for _ in range(count):
        person = factory.new(0, 100)
        yield "Patient", patient(hospital, person)
        for _stay in range(rng.randint(1, 3)):
            nda += 1
            unit = rng.choice(units)
            start = before - dt.timedelta(days=rng.uniform(30, 3650))
            end = start + dt.timedelta(days=rng.uniform(0.2, unit.mean_stay_days * 2))
            yield (
                "Encounter",
                {
                    "resourceType": "Encounter",
                    "id": f"enc-{nda}",
                    "status": "finished",
                    "identifier": [
                        {
                            "type": {"coding": [{"system": V2_0203, "code": "VN"}]},
                            "system": nda_system(hospital),
                            "value": str(nda),
                        }
                    ],
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "IMP",
                    },
                    "subject": ref("Patient", f"pat-{person.ipp}"),
                    "period": {"start": instant(start), "end": instant(min(end, before))},
                    "serviceProvider": ref("Organization", f"uf-{unit.code}"),
                },
            )
