"""The HL7 v2 reader: delimiters, escapes, charsets, batches, errors, and the hl7 package."""

from __future__ import annotations

import hl7
import pytest

from autarcie.mirror.hl7 import Hl7ParseError, parse_batch, parse_message, split_batch
from tests.mirror.builders import adt, fixture_bytes, message, msh, pid, pv1, zbe

PAM_SEQUENCE = "pamfr_sequence_A01_A02_A12_Z99_A03.hl7"


def test_pam_sample_batch_reads_five_messages_split_on_msh() -> None:
    messages = parse_batch(fixture_bytes(PAM_SEQUENCE))
    assert [m.trigger_event for m in messages] == ["A01", "A02", "A12", "Z99", "A03"]
    assert [m.control_id for m in messages] == [f"MSG000{n}" for n in range(1, 6)]
    assert all(m.version == "2.5" for m in messages)


def test_msh_numbering_follows_hl7_with_msh1_the_field_separator() -> None:
    msg = parse_message(fixture_bytes("LAB-ORU-1.hl7"))
    assert msg.get("MSH-1") == "|"
    assert msg.get("MSH-2") == "^~\\&"
    assert msg.get("MSH-3") == "SomeSystem"
    assert msg.msh.field(9).raw == "ORU^R01"
    assert msg.get("MSH-9.2") == "R01"
    assert msg.msh.field(2).repetitions[0].raw == "^~\\&"


def test_path_accessor_reads_repetition_component_and_subcomponent() -> None:
    msg = parse_batch(fixture_bytes(PAM_SEQUENCE))[0]
    assert msg.get("PID-3[2].4.2") == "1.2.250.1.213.1.4.10"
    assert msg.get("PID-3.1") == "IPP000042"
    assert msg.get("PID-3[2].5") == "INS"
    assert msg.get("PID-3[3]") == ""
    assert msg.get("OBX-5") == ""
    pid_segment = msg.segment("PID")
    assert pid_segment is not None
    cx = pid_segment.field(3).repetition(1)
    assert cx.component(4).subcomponents == ("CH-TEST", "123456789", "M")
    assert cx.component(4).subcomponent(3) == "M"
    assert [r.text(5) for r in pid_segment.field(3).repetitions] == ["PI", "INS"]


def test_path_accessor_selects_the_nth_segment() -> None:
    msg = parse_message(fixture_bytes("LAB-ORU-1.hl7"))
    assert msg.get("OBX[2]-5") == "4.06"
    assert msg.get("OBX[2]-6") == "tera.l-1"
    assert msg.get("OBX[99]-5") == ""
    assert len(msg.segments("OBX")) == 10
    assert msg.segments("OBX")[1].seq == 2
    with pytest.raises(ValueError, match="not an HL7 path"):
        msg.get("PID.3")


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_every_segment_end_is_accepted(end: str) -> None:
    msg = parse_message(adt("A01", pid(), pv1(), zbe()).replace(b"\r", end.encode()) + b"\r\n")
    assert [seg.name for seg in msg] == ["MSH", "EVN", "PID", "PV1", "ZBE"]
    assert msg.get("ZBE-4") == "INSERT"


def test_custom_encoding_characters_are_honoured() -> None:
    raw = (
        b"MSH#$*@%#APP#FAC#ME#MEFAC#20250110##ADT$A28$ADT_A05#C1#P#2.5\r"
        b"PID#1##ID1$$$AUTH%1.2.3%ISO$PI*ID2$$$X$NH##NOM@F@ D$PRENOM"
    )
    msg = parse_message(raw)
    assert msg.encoding.field == "#"
    assert msg.encoding.component == "$"
    assert msg.encoding.repetition == "*"
    assert msg.encoding.subcomponent == "%"
    assert msg.get("MSH-9.2") == "A28"
    assert msg.get("PID-3[1].4.2") == "1.2.3"
    assert msg.get("PID-3[2].5") == "NH"
    assert msg.get("PID-5.1") == "NOM# D"


def test_v27_truncation_character_is_read_and_escaped() -> None:
    raw = b"MSH|^~\\&#|A|B|C|D|20250110||ADT^A31|C1|P|2.7\rNTE|1||cut here\\P\\ and # kept"
    msg = parse_message(raw)
    assert msg.encoding.truncation == "#"
    assert msg.get("MSH-2") == "^~\\&#"
    assert msg.get("NTE-3") == "cut here# and # kept"


def test_escape_sequences_are_decoded_on_access() -> None:
    raw = (
        msh("ORU^R01") + "\r"
        "NTE|1||A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F\\.br\\G\\X4C6F\\ \\H\\bold\\N\\\\Zunknown\\ end\\"
    ).encode()
    msg = parse_message(raw)
    nte = msg.segment("NTE")
    assert nte is not None
    assert nte.field(3).raw.startswith("A\\F\\")  # raw stays raw
    assert msg.get("NTE-3") == "A|B^C&D~E\\F\nGLo bold\\Zunknown\\ end\\"


def test_hex_escape_is_decoded_in_the_message_charset() -> None:
    utf8 = parse_message((msh("ADT^A31") + "\rNTE|1||caf\\XC3A9\\").encode())
    assert utf8.get("NTE-3") == "café"
    latin = parse_message((msh("ADT^A31", charset="8859/1") + "\rNTE|1||caf\\XE9\\").encode())
    assert latin.get("NTE-3") == "café"


def test_iso_8859_1_message_is_decoded_per_msh18() -> None:
    text = msh("ADT^A28^ADT_A05", charset="8859/1") + "\r" + pid(names="LEFÈVRE^HÉLÈNE^^^^^L")
    msg = parse_message(text.encode("latin-1"))
    assert msg.codec_fallback is False
    assert msg.get("PID-5.1") == "LEFÈVRE"
    assert msg.get("PID-5.2") == "HÉLÈNE"


def test_invalid_utf8_falls_back_without_crashing() -> None:
    text = msh("ADT^A28^ADT_A05") + "\r" + pid(names="LEFÈVRE^JO^^^^^L")
    msg = parse_message(text.encode("cp1252"))
    assert msg.codec_fallback is True
    assert msg.get("PID-5.1") == "LEFÈVRE"


def test_unknown_charset_falls_back_and_is_reported() -> None:
    msg = parse_message(msh("ADT^A31", charset="KLINGON").encode())
    assert msg.charset == "KLINGON"
    assert msg.codec_fallback is True


def test_batch_envelope_segments_are_dropped_and_raw_bytes_kept() -> None:
    one = message(msh("ADT^A31", "C1"), "EVN||20250110", end="\r\n")
    two = message(msh("ADT^A31", "C2"), "EVN||20250110", end="\r\n")
    data = b"FHS|^~\\&|X\r\nBHS|^~\\&|X\r\n" + one + b"\r\n" + two + b"\r\nBTS|2\r\nFTS|1\r\n"
    raws = split_batch(data)
    assert raws == [one, two]
    assert [m.control_id for m in parse_batch(data)] == ["C1", "C2"]


def test_parse_message_refuses_a_batch() -> None:
    data = fixture_bytes(PAM_SEQUENCE)
    with pytest.raises(Hl7ParseError, match="5 messages found"):
        parse_message(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b" \r\n ", "empty"),
        (b"PID|1||X", "does not start with an MSH"),
        (b"MSH|^~", "truncated"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01", "truncated"),
        (b"MSH|^~|A|B|C|D|2025||ADT^A01|C|P|2.5", "MSH-2 .* holds 2 characters"),
        (b"MSH|^^\\&|A|B|C|D|2025||ADT^A01|C|P|2.5", "appears twice"),
        (b"MSHA^~\\&A|B|C|D|2025||ADT^A01|C|P|2.5", "MSH-1 .* cannot be a delimiter"),
        (b"MSH|^~\\&|A|B|C|D|2025|||C|P|2.5", "MSH-9"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01||P|2.5", "MSH-10"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01|C|P|2.5\rPI", "line 2 is not a segment"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01|C|P|2.5\rpid|1", "line 2 is not a segment"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01|C|P|2.5\rPID^1", "line 2 is not a segment"),
    ],
)
def test_malformed_input_raises_a_clear_parse_error(data: bytes, reason: str) -> None:
    with pytest.raises(Hl7ParseError, match=reason) as caught:
        parse_message(data)
    assert caught.value.reason


@pytest.mark.parametrize(
    ("data", "code", "location"),
    [
        (b"MSHA^~\\&A|B|C|D|2025||ADT^A01|C|P|2.5", "102", "MSH^1^1"),
        (b"MSH|^~\\\\&|A|B|C|D|2025||ADT^A01|C|P|2.5", "102", "MSH^1^2"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01", "101", "MSH^1^10"),
        (b"MSH|^~\\&|A|B|C|D|2025|||C|P|2.5", "101", "MSH^1^9"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01||P|2.5", "101", "MSH^1^10"),
        (b"PID|1||X", "100", "MSH"),
    ],
)
def test_parse_errors_name_the_field_for_err_2(data: bytes, code: str, location: str) -> None:
    with pytest.raises(Hl7ParseError) as caught:
        parse_message(data)
    assert (caught.value.code, caught.value.location) == (code, location)


def test_concatenated_files_with_boms_and_an_mllp_tail_split_into_their_messages() -> None:
    one = adt("A01", pid(), pv1(), zbe())
    two = adt("A01", pid(), pv1(), zbe(), control_id="TWO")
    data = b"\xef\xbb\xbf" + one + b"\r\n\xef\xbb\xbf" + two + b"   \r\x1c\r\x1a"
    assert split_batch(data) == [one, two]
    assert parse_message(b"\x0b" + one + b"\x1c\r").control_id == parse_message(one).control_id


def test_empty_fields_and_components_read_as_empty() -> None:
    msg = parse_message(adt("A01", pid(), pv1(), zbe()))
    pid_segment = msg.segment("PID")
    assert pid_segment is not None
    assert pid_segment.field(2).is_empty
    assert pid_segment.field(2).repetitions == ()
    assert pid_segment.field(200).value == ""
    assert pid_segment.field(5).repetition(9).component(3).value == ""
    assert msg.segment("OBX") is None


def test_explicit_null_is_visible_on_the_field() -> None:
    msg = parse_message(adt("A31", pid(names='""')))
    pid_segment = msg.segment("PID")
    assert pid_segment is not None
    assert pid_segment.field(5).is_null
    assert not pid_segment.field(3).is_null


def _our_fields(data: bytes) -> list[list[list[str]]]:
    return [[[f.raw for f in seg.fields] for seg in m] for m in parse_batch(data)]


def _hl7_fields(data: bytes) -> list[list[list[str]]]:
    result = []
    for chunk in split_batch(data):
        text = chunk.decode("utf-8").replace("\r\n", "\r").replace("\n", "\r")
        parsed = hl7.parse(text)
        segments = []
        for seg in parsed:
            fields = [str(field) for field in seg]
            if fields[0] == "MSH":
                fields = ["MSH", "|", *fields[2:]]
            segments.append(fields[1:])
        result.append(segments)
    return result


@pytest.mark.parametrize("name", ["LAB-ORU-1.hl7", PAM_SEQUENCE])
def test_fields_match_the_hl7_package_on_the_samples(name: str) -> None:
    data = fixture_bytes(name)
    assert _our_fields(data) == _hl7_fields(data)


@pytest.mark.parametrize("name", ["LAB-ORU-1.hl7", PAM_SEQUENCE])
def test_components_match_the_hl7_package_on_the_samples(name: str) -> None:
    data = fixture_bytes(name)
    for raw, ours in zip(split_batch(data), parse_batch(data), strict=True):
        theirs = hl7.parse(raw.decode("utf-8").replace("\r\n", "\r").replace("\n", "\r"))
        for seg_ours, seg_theirs in zip(ours, theirs, strict=True):
            for index in range(3, seg_ours.field_count + 1):
                key = f"{seg_ours.name}.F{index}.R1.C1"
                if seg_ours.name != "MSH" and seg_ours.seq == 1:
                    assert ours.get(f"{seg_ours.name}-{index}") == theirs[key], key
            assert str(seg_theirs[0]) == seg_ours.name
