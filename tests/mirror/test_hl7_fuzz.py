"""Property: whatever bytes arrive, the HL7 layer fails only with its own errors and can answer.

Four tests of 2,500 examples each: 10,000 mutated messages in all.
"""

from __future__ import annotations

import base64
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autarcie.mirror.hl7 import (
    Hl7ParseError,
    Hl7SemanticError,
    build_ack,
    build_nack_for_unparseable,
    interpret,
    parse_message,
    split_batch,
)
from tests.mirror.builders import adt, fixture_bytes, message, msh, pid, pv1, segment, zbe

NOW = dt.datetime(2025, 1, 10, 7, 5, tzinfo=dt.UTC)
CDA = b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>T</title></ClinicalDocument>'


def _seeds() -> list[bytes]:
    samples = split_batch(fixture_bytes("pamfr_sequence_A01_A02_A12_Z99_A03.hl7"))
    ed = base64.b64encode(CDA).decode()
    return [
        *samples,
        fixture_bytes("LAB-ORU-1.hl7"),
        adt("A28", pid(), "AL1|1|DA|PENI^Penicilline^L||URTICAIRE|20240101", "ZFD|||N|N|INSI"),
        adt("A40", pid(), "MRG|IPP7^^^CH-TEST&123456789&M^PI"),
        adt("Z99", pid(), pv1(), zbe(action="UPDATE", original="A01"), "ZFM|8||||5"),
        message(
            msh("ORU^R01^ORU_R01"),
            pid(),
            "OBR|1|P1||11502-2^CR^LN",
            f"OBX|1|ED|11502-2^CR^LN||^TEXT^XML^Base64^{ed}||||||F",
            "OBX|2|SN|1988-5^CRP^LN||<^5|mg/L|||||F",
            "OBX|3|CE|MASQUE_PS^M^MetaDMPMSS||Y||||||F",
        ),
        message(
            msh("RDE^O11^RDE_O11"),
            pid(),
            "ORC|NW|P1|||IP||||20250110",
            "RXE|^Q6H^^20250110^20250111|X^PARA^CIP|1||G^g^UCUM",
            "RXR|PO",
            segment("TQ1", {1: "1", 3: "Q6H", 7: "20250110"}),
        ),
        message(
            msh("RAS^O17^RAS_O17"),
            pid(),
            "ORC|RE|P1",
            segment("RXA", {1: "0", 2: "1", 3: "20250110", 5: "X^PARA^CIP", 6: "1", 20: "CP"}),
            "RXR|PO",
        ),
        b"MSH#$*@%#APP#FAC#ME#MEFAC#20250110##ADT$A31$ADT_A05#C1#P#2.5\rPID#1##I1$$$A%1.2%ISO$PI",
        (msh("ADT^A31^ADT_A05", charset="8859/1") + "\r" + pid(names="LEFÈVRE^É^^^^^L")).encode(
            "latin-1"
        ),
    ]


SEEDS = _seeds()


# One binary draw per example (cheap to generate, shrinks well): each 3 bytes are a flip,
# two for the position and one for the new byte, biased towards HL7 delimiters.
_FLIPS = st.binary(min_size=3, max_size=18)
_BIASED = b'|^~\\&\r\n0123456789ABZ "+-.:'


@st.composite
def byte_flips(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    flips = draw(_FLIPS)
    for start in range(0, len(flips) - 2, 3):
        position = (flips[start] << 8 | flips[start + 1]) % len(data)
        value = flips[start + 2]
        data[position] = _BIASED[value % len(_BIASED)] if value < 128 else value
    return bytes(data)


@st.composite
def truncations_and_insertions(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    cut = draw(st.integers(0, len(data)))
    if draw(st.booleans()):
        return data[:cut]
    return data[:cut] + draw(st.binary(max_size=40)) + data[cut:]


_EDITS = st.binary(min_size=3, max_size=9)
_VALUES = st.text(alphabet='|^~\\&0123456789ABCDEFXYZ"é .-+', max_size=30)


@st.composite
def segment_edits(draw: st.DrawFn) -> bytes:
    """Drop or duplicate segments, or replace one field; each 3 bytes of `_EDITS` is an edit."""
    lines = draw(st.sampled_from(SEEDS)).split(b"\r")
    edits, value = draw(_EDITS), draw(_VALUES).encode("utf-8")
    for start in range(0, len(edits) - 2, 3):
        index = edits[start] % len(lines)
        action = edits[start + 1] % 3
        if action == 0 and len(lines) > 1:
            del lines[index]
        elif action == 1:
            lines.insert(index, lines[index])
        else:
            fields = lines[index].split(b"|")
            where = 1 + edits[start + 2] % (len(fields) + 2)
            fields += [b""] * (where + 1 - len(fields))
            fields[where] = value
            lines[index] = b"|".join(fields)
    return b"\r".join(lines)


def _answer_always_parses(raw: bytes) -> None:
    try:
        msg = parse_message(raw)
    except Hl7ParseError as error:
        nack = parse_message(build_nack_for_unparseable(raw, error.reason, NOW, "N1"))
        assert nack.get("MSA-1") == "AR"
        return
    try:
        interpret(msg)
    except Hl7SemanticError as error:
        answer = build_ack(
            msg,
            "AR" if error.ack_code == "AR" else "AE",
            error.reason,
            error_code=error.code,
            error_location=error.location,
            now=NOW,
            control_id="A1",
        )
    else:
        answer = build_ack(msg, "AA", now=NOW, control_id="A1")
    ack = parse_message(answer)
    assert ack.get("MSA-2") == msg.control_id


FUZZ = settings(
    max_examples=2500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(byte_flips())
def test_byte_flips_fail_only_with_hl7_errors(raw: bytes) -> None:
    _answer_always_parses(raw)


@FUZZ
@given(truncations_and_insertions())
def test_truncations_and_insertions_fail_only_with_hl7_errors(raw: bytes) -> None:
    _answer_always_parses(raw)


@FUZZ
@given(segment_edits())
def test_segment_drops_and_field_edits_fail_only_with_hl7_errors(raw: bytes) -> None:
    _answer_always_parses(raw)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.sampled_from(SEEDS)))
def test_random_bytes_fail_only_with_hl7_errors(raw: bytes) -> None:
    _answer_always_parses(raw)
