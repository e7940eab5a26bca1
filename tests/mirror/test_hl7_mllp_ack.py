"""MLLP framing and HL7 acknowledgements."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.mirror.hl7 import (
    MllpDecoder,
    MllpFramingError,
    build_ack,
    build_nack_for_unparseable,
    frame,
    parse_message,
)
from tests.mirror.builders import adt, fixture_bytes, msh, pid, pv1, zbe

NOW = dt.datetime(2025, 1, 10, 7, 5, tzinfo=dt.UTC)


def test_frame_wraps_payload_in_start_and_end_blocks() -> None:
    assert frame(b"MSH|x") == b"\x0bMSH|x\x1c\r"
    with pytest.raises(ValueError, match="0x0B or 0x1C"):
        frame(b"bad\x1cpayload")


def test_frames_split_across_reads_come_out_whole() -> None:
    payloads = [adt("A01", pid(), pv1(), zbe(), control_id=f"C{n}") for n in range(3)]
    stream = b"".join(frame(p) for p in payloads)
    decoder = MllpDecoder()
    received: list[bytes] = []
    for size in (1, 7, 64):
        for start in range(0, len(stream), size):
            received += decoder.feed(stream[start : start + size])
        assert received == payloads
        assert decoder.pending == 0
        assert not decoder.in_frame
        received.clear()


def test_partial_frame_is_held_until_its_end_block() -> None:
    decoder = MllpDecoder()
    assert decoder.feed(b"\x0bMSH|part") == []
    assert decoder.in_frame
    # A lone 0x1C ends the frame at once; the 0x0D that may follow is noise between frames.
    assert decoder.feed(b"ial\x1c") == [b"MSH|partial"]
    assert decoder.feed(b"\r\x0bMSH|next\x1c\r") == [b"MSH|next"]
    assert decoder.feed(b"\x0bMSH|lone\x1c\x0bMSH|after\x1c") == [b"MSH|lone", b"MSH|after"]


def test_line_ends_between_frames_are_tolerated() -> None:
    decoder = MllpDecoder()
    assert decoder.feed(b"\r\n" + frame(b"A") + b"\n\r\n" + frame(b"B")) == [b"A", b"B"]


def test_garbage_between_frames_raises_and_keeps_completed_frames() -> None:
    decoder = MllpDecoder()
    with pytest.raises(MllpFramingError, match="outside an MLLP frame") as caught:
        decoder.feed(frame(b"A") + b"GET / HTTP/1.1\r\n" + frame(b"B"))
    assert caught.value.frames == (b"A",)
    assert decoder.feed(b"") == [b"B"]


def test_start_block_inside_a_frame_drops_the_truncated_frame() -> None:
    decoder = MllpDecoder()
    with pytest.raises(MllpFramingError, match="started inside another"):
        decoder.feed(b"\x0bMSH|cut" + frame(b"MSH|whole"))
    assert decoder.feed(b"") == [b"MSH|whole"]


def test_oversized_frame_is_dropped_with_a_clear_error() -> None:
    decoder = MllpDecoder(max_frame_size=10)
    with pytest.raises(MllpFramingError, match="larger than 10 bytes"):
        decoder.feed(b"\x0b" + b"x" * 11)
    # The rest of the oversized frame is skipped, the next frame is read.
    assert decoder.feed(b"yyy\x1c\r" + frame(b"ok")) == [b"ok"]


def test_aa_swaps_sender_and_receiver_and_echoes_the_control_id() -> None:
    msg = parse_message(adt("A01", pid(), pv1(), zbe(), control_id="MSG0001"))
    ack = parse_message(build_ack(msg, "AA", now=NOW, control_id="ACK1"))
    assert ack.get("MSH-3") == "MIROIR"
    assert ack.get("MSH-4") == "CH-TEST"
    assert ack.get("MSH-5") == "SIMUL_GAM"
    assert ack.msh.field(9).raw == "ACK^A01^ACK"
    assert ack.get("MSH-7") == "20250110080500+0100"
    assert ack.control_id == "ACK1"
    assert ack.msh.field(12).raw == "2.5^FRA^2.11"
    assert ack.get("MSA-1") == "AA"
    assert ack.get("MSA-2") == "MSG0001"
    assert ack.segment("ERR") is None


def test_ae_carries_an_err_segment_with_location_code_and_escaped_text() -> None:
    msg = parse_message(fixture_bytes("LAB-ORU-1.hl7"))
    raw = build_ack(
        msg,
        "AE",
        "PID-3 has no IPP | see ^ table",
        error_code="101",
        error_location="PID^1^3",
        now=NOW,
        control_id="ACK2",
    )
    assert b"\\F\\" in raw and b"\\S\\" in raw
    ack = parse_message(raw)
    assert ack.get("MSA-1") == "AE"
    assert ack.get("MSA-2") == "182"
    assert ack.get("MSA-3") == "PID-3 has no IPP | see ^ table"
    assert ack.msh.field(9).raw == "ACK^R01^ACK"
    assert ack.msh.field(11).raw == "T"
    err = ack.segment("ERR")
    assert err is not None
    assert err.field(2).raw == "PID^1^3"
    assert err.field(3).raw == "101^Required field missing^HL70357"
    assert ack.get("ERR-4") == "E"
    assert ack.get("ERR-8") == "PID-3 has no IPP | see ^ table"


def test_ar_without_error_code_defaults_to_application_error() -> None:
    msg = parse_message(adt("A08", pid(), pv1()))
    ack = parse_message(build_ack(msg, "AR", "A08 refused", now=NOW, control_id="A3"))
    assert ack.get("ERR-3") == "207"


def test_aa_with_a_warning_code_uses_severity_w() -> None:
    msg = parse_message(adt("A31", pid()))
    raw = build_ack(msg, "AA", "kept", error_code="201", now=NOW, control_id="A4")
    assert parse_message(raw).get("ERR-4") == "W"


def test_ack_is_encoded_in_the_message_charset() -> None:
    text = msh("ADT^A31^ADT_A05", charset="8859/1") + "\r" + pid()
    msg = parse_message(text.encode("latin-1"))
    raw = build_ack(msg, "AE", "identité refusée", error_code="103", now=NOW, control_id="A5")
    assert "identité".encode("latin-1") in raw
    ack = parse_message(raw)
    assert ack.charset == "8859/1"
    assert ack.get("MSA-3") == "identité refusée"


def test_ack_of_a_custom_encoding_message_uses_standard_delimiters() -> None:
    msg = parse_message(b"MSH#$*@%#APP$X%Y#FAC#ME#MEFAC#20250110##ADT$A28#C1#P#2.5")
    ack = parse_message(build_ack(msg, "AA", now=NOW, control_id="A6"))
    assert ack.encoding.field == "|"
    assert ack.msh.field(5).raw == "APP^X&Y"


def test_control_characters_never_reach_the_ack_raw() -> None:
    msg = parse_message(adt("A31", pid()))
    raw = build_ack(msg, "AE", "bad\x0bframe\x1cbyte\nline", now=NOW, control_id="A7")
    assert b"\x0b" not in raw and b"\x1c" not in raw
    assert parse_message(raw).get("MSA-3") == "bad\x0bframe\x1cbyte\nline"


def test_nack_for_unparseable_echoes_what_the_msh_still_gives() -> None:
    broken = b"MSH|^~\\&|APP|FAC|ME|MEFAC|20250110||ADT^A01|X1|P|2.5\rP@D|garbage"
    ack = parse_message(build_nack_for_unparseable(broken, "line 2 is not a segment", NOW, "N1"))
    assert ack.get("MSH-3") == "ME"
    assert ack.get("MSH-5") == "APP"
    assert ack.msh.field(9).raw == "ACK^A01^ACK"
    assert ack.get("MSA-1") == "AR"
    assert ack.get("MSA-2") == "X1"
    assert ack.get("MSA-3") == "line 2 is not a segment"
    assert ack.get("ERR-3") == "100"


@pytest.mark.parametrize(
    "raw", [b"", b"garbage", b"MSH|", b"MSH\x00\x01\x02\x03\x04", b"\xff" * 20]
)
def test_nack_for_garbage_is_still_a_valid_ack(raw: bytes) -> None:
    ack = parse_message(build_nack_for_unparseable(raw, "no MSH segment", NOW, "N2"))
    assert ack.get("MSA-1") == "AR"
    assert ack.get("MSA-2") == ""
    assert ack.msh.field(9).raw == "ACK"
