"""Helpers for the mirror's database tests: feed real sample bytes through the real path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from autarcie.mirror.hl7.parser import split_batch
from autarcie.mirror.ingest import Outcome, Received, ingest_hl7_batch
from autarcie.mirror.senders import parse_policy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LOOPBACK = parse_policy("127.0.0.0/8")
T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def messages(name: str) -> list[bytes]:
    return split_batch((FIXTURES / "hl7v2" / name).read_bytes())


def feed(raws: list[bytes], at: dt.datetime = T0, peer: str = "127.0.0.1") -> list[Outcome]:
    return ingest_hl7_batch([Received(raw, peer, at) for raw in raws], LOOPBACK, at)
