"""The HL7 feed: standard-valid segments, PAM FR identity rules, legal movement sequences."""

from __future__ import annotations

import csv
from collections import defaultdict

import hl7
import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_segment

from autarcie.demo.synth import GenerationSummary
from autarcie.demo.synth.people import INS_TEST_OID, nir_key
from tests.demo.conftest import read_messages, segments_of


def _sample(messages: list[str], per_type: int = 15) -> list[str]:
    seen: dict[str, int] = defaultdict(int)
    chosen = []
    for message in messages:
        kind = segments_of(message)[0][8]
        if seen[kind] < per_type:
            seen[kind] += 1
            chosen.append(message)
    return chosen


def test_standard_segments_pass_hl7apy_strict_validation(small_hospital: GenerationSummary) -> None:
    checked = 0
    for message in _sample(read_messages(small_hospital.out_dir)):
        for text in message.split("\r"):
            if not text or text.startswith("Z"):
                continue  # PAM FR Z-segments are not in the 2.5 standard
            parsed = parse_segment(text, version="2.5", validation_level=VALIDATION_LEVEL.STRICT)
            assert parsed.validate(), text
            checked += 1
    assert checked > 100


def test_every_message_parses_with_the_hl7_package(small_hospital: GenerationSummary) -> None:
    messages = read_messages(small_hospital.out_dir)
    for message in messages:
        parsed = hl7.parse(message)
        assert str(parsed.segment("MSH")[9][0][0]) in ("ADT", "ORU", "RDE")
    assert len(messages) > 200


def test_message_control_ids_are_unique_and_no_a08_is_sent(
    small_hospital: GenerationSummary,
) -> None:
    headers = [segments_of(m)[0] for m in read_messages(small_hospital.out_dir)]
    ids = [h[9] for h in headers]
    assert len(ids) == len(set(ids))
    assert not [h for h in headers if h[8].startswith("ADT^A08")]


def test_messages_are_in_time_order(small_hospital: GenerationSummary) -> None:
    stamps = [segments_of(m)[0][6] for m in read_messages(small_hospital.out_dir)]
    assert stamps == sorted(stamps)


def test_ins_is_sent_only_with_vali_and_has_a_valid_key(
    small_hospital: GenerationSummary,
) -> None:
    with_ins = 0
    for message in read_messages(small_hospital.out_dir):
        pid = next(s for s in segments_of(message) if s[0] == "PID")
        identifiers = pid[3].split("~")
        ins = [i.split("^")[0] for i in identifiers if i.endswith("^INS")]
        statuses = pid[32].split("~") if len(pid) > 32 else []
        if ins:
            with_ins += 1
            assert "VALI" in statuses
            assert INS_TEST_OID in pid[3]
            assert nir_key(ins[0][:13]) == ins[0][13:]
    assert with_ins > 0


def test_nir_key_reads_corsica_as_19_and_18() -> None:
    assert nir_key("1850320004123") == f"{97 - 1850320004123 % 97:02d}"
    assert nir_key("18503" + "2A" + "004123") == f"{97 - 1850319004123 % 97:02d}"
    assert nir_key("18503" + "2B" + "033123") == f"{97 - 1850318033123 % 97:02d}"


def _replay(messages: list[str]) -> tuple[dict[str, tuple[str, str, str]], list[str]]:
    """Open stays (NDA -> PV1-3 location) after replaying ADT, and the illegal steps seen."""
    open_stays: dict[str, tuple[str, str, str]] = {}
    closed: set[str] = set()
    errors: list[str] = []
    for message in messages:
        segments = segments_of(message)
        trigger = segments[0][8].split("^")[1] if segments[0][8].startswith("ADT") else ""
        pv1 = next((s for s in segments if s[0] == "PV1"), None)
        if not trigger or pv1 is None or len(pv1) < 20:
            continue
        nda = pv1[19].split("^")[0]
        place = [*pv1[3].split("^"), "", ""]
        location = (place[0], place[1], place[2])
        if nda in closed and trigger not in ("A13",):
            errors.append(f"{trigger} after discharge of {nda}")
        if trigger in ("A03", "A11"):
            open_stays.pop(nda, None)
            closed.add(nda)
        elif trigger != "A05":
            closed.discard(nda)
            open_stays[nda] = location
    return open_stays, errors


def test_movement_sequences_are_legal(small_hospital: GenerationSummary) -> None:
    _open, errors = _replay(read_messages(small_hospital.out_dir))
    assert errors == []


def test_replay_finds_an_illegal_transfer_after_discharge() -> None:
    base = "MSH|^~\\&|A|B|C|D|20250101||ADT^{t}^ADT_A01|1|P|2.5\rPV1|1|I|U^1^1" + "|" * 16
    messages = [base.format(t=t) + "25001^^^X^VN" for t in ("A01", "A03", "A02")]
    _open, errors = _replay(messages)
    assert errors == ["A02 after discharge of 25001"]


def test_census_matches_the_stays_left_open_by_the_hl7_feed(
    small_hospital: GenerationSummary,
) -> None:
    open_stays, _errors = _replay(read_messages(small_hospital.out_dir))
    with (small_hospital.out_dir / "census.csv").open(encoding="utf-8") as handle:
        census = {
            row["nda"]: (row["unit_code"], row["room"], row["bed"])
            for row in csv.DictReader(handle)
        }
    assert census == open_stays
    assert len(census) == small_hospital.census_rows > 0


@pytest.mark.parametrize("trigger", ["A28", "A01", "A02", "A03", "A04", "A05", "A06"])
def test_the_small_hospital_sends_the_main_triggers(
    small_hospital: GenerationSummary, trigger: str
) -> None:
    assert small_hospital.hl7_messages.get(f"ADT^{trigger}", 0) > 0
