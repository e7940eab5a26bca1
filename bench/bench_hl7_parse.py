"""Messages/s of our HL7 parse (+ PAM FR interpret) against the `hl7` package, same messages."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import hl7

from autarcie.mirror.hl7 import interpret, parse_message

_UNITS = ("2010", "2020", "3010", "4410")
_FAMILIES = ("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND")
_GIVEN = ("CAMILLE", "LOUIS", "JADE", "GABRIEL", "LEA", "ARTHUR", "CHLOE", "JULES")


def adt_message(number: int, rng: random.Random) -> bytes:
    """One eight-segment PAM FR A01 (MSH EVN PID PV1 ZBE ZFP ZFM ZFD) with varied values."""
    unit = rng.choice(_UNITS)
    day = 1 + number % 28
    stamp = f"202501{day:02d}{rng.randrange(24):02d}{rng.randrange(60):02d}00"
    ipp = f"IPP{number:07d}"
    authority = "CH-TEST&123456789&M"
    segments = [
        f"MSH|^~\\&|SIMUL_GAM|CH-TEST|MIROIR|CH-TEST|{stamp}||ADT^A01^ADT_A01|MSG{number:08d}|P|"
        "2.5^FRA^2.11|||||FRA|UNICODE UTF-8|FR||2.11^IHE_FRANCE-2.11-PAM^M",
        f"EVN||{stamp}||||{stamp}",
        f"PID|1||{ipp}^^^{authority}^PI||{rng.choice(_FAMILIES)}^{rng.choice(_GIVEN)}^^^^^L||"
        f"19{rng.randrange(30, 99)}0{rng.randrange(1, 9)}15|{rng.choice('FM')}|||"
        "3 RUE DES LILAS^^RENNES^^35000^FRA^H~^^^^^^BDL^^35238|||||||"
        f"NDA{number:07d}^^^{authority}^AN||||||||||||||PROV",
        f"PV1|1|I|{unit}^{rng.randrange(1, 40):02d}^1^CH-TEST&123456789&M^O||||"
        f"10003^DOC^ANNE^^^^^^ASIP-SANTE-PS&1.2.250.1.71.4.2.1&ISO^L^^^RPPS|||||||||||"
        f"VN{number:07d}^^^{authority}^VN|||||||||||||||||||||||||{stamp}",
        f"ZBE|MVT{number:07d}^SIMUL_GAM^1.2.250.1.999999.1.2^ISO|{stamp}||INSERT|N||"
        f"UF^^^^^{authority}^UF^^^{unit}|UF^^^^^{authority}^UF^^^{unit}|HMS",
        "ZFP|5|54",
        "ZFM|8||||5",
        "ZFD|||N|N|INSI|20250110|CN|20300101",
    ]
    return "\r".join(segments).encode("utf-8")


def _rates(works: dict[str, Callable[[], None]], count: int, repeat: int) -> dict[str, float]:
    """Best messages/s of each workload; runs are interleaved so that load from other
    processes on the machine weighs on all of them alike."""
    best = dict.fromkeys(works, float("inf"))
    for _ in range(repeat):
        for name, work in works.items():
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: count / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--small", action="store_true", help="1,000 messages (make bench)")
    args = parser.parse_args()
    if args.small:
        args.messages = 1000
    rng = random.Random(args.seed)
    raws = [adt_message(number, rng) for number in range(args.messages)]
    texts = [raw.decode("utf-8") for raw in raws]

    def ours_parse() -> None:
        for raw in raws:
            parse_message(raw)

    def ours_fields() -> None:
        for raw in raws:
            for seg in parse_message(raw):
                seg.pick(*range(1, seg.field_count + 1))

    def ours_full() -> None:
        for raw in raws:
            interpret(parse_message(raw))

    def baseline() -> None:
        for text in texts:
            hl7.parse(text)

    count = len(raws)
    print(f"{count} eight-segment PAM FR ADT^A01 messages, best of {args.repeat} runs")
    rates = _rates(
        {"base": baseline, "parse": ours_parse, "fields": ours_fields, "full": ours_full},
        count,
        args.repeat,
    )
    base, parse_only, fields, full = (rates[k] for k in ("base", "parse", "fields", "full"))
    print(f"hl7.parse (baseline)       {base:10,.0f} msg/s  {1e6 / base:7.1f} us/msg")
    print(f"parse_message              {parse_only:10,.0f} msg/s  {1e6 / parse_only:7.1f} us/msg")
    print(f"parse + every field's leaf {fields:10,.0f} msg/s  {1e6 / fields:7.1f} us/msg")
    print(f"parse_message + interpret  {full:10,.0f} msg/s  {1e6 / full:7.1f} us/msg")
    print(
        f"ratio to the baseline: parse {parse_only / base:.1f}x, "
        f"parse + fields {fields / base:.1f}x, parse + interpret {full / base:.1f}x"
    )


if __name__ == "__main__":
    main()
