"""ORU^R01 results (discrete and CDA documents), RDE^O11 prescriptions, RAS^O17 administrations."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest

from autarcie.mirror.hl7 import (
    AdministrationReport,
    Hl7SemanticError,
    PrescriptionOrder,
    ResultReport,
    interpret,
    parse_message,
)
from autarcie.mirror.hl7.cda import extract_text
from autarcie.mirror.hl7.results import StructuredNumeric
from tests.mirror.builders import fixture_bytes, message, msh, pid, pv1, segment

UTC = dt.UTC
CDA = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>CR de biologie</title>'
    "<component><structuredBody><component><section><title>Hématologie</title>"
    "<text><paragraph>Hémoglobine 145 g/L</paragraph><paragraph>CRP   12 mg/L</paragraph>"
    "<table><tr><td>Plaquettes</td><td>250 G/L</td></tr></table></text>"
    "</section></component></structuredBody></component></ClinicalDocument>"
).encode()
OBR = segment(
    "OBR",
    {
        1: "1",
        2: "PLACER1",
        3: "FILLER1",
        4: "11502-2^CR d'examens biologiques^LN",
        7: "20250110080000",
        22: "20250110090000",
        25: "F",
    },
)


def _report(data: bytes) -> ResultReport:
    result = interpret(parse_message(data))
    assert isinstance(result, ResultReport)
    return result


def _oru(*body: str) -> bytes:
    return message(msh("ORU^R01^ORU_R01"), pid(), pv1(), "ORC|RE|PLACER1", OBR, *body)


def _meta(number: int, code: str, value: str) -> str:
    return (
        f"OBX|{number}|CE|{code}^{code.title()}^MetaDMPMSS||{value}^^expandedYes-NoIndicator||||||F"
    )


def _document_obx(content: bytes, media: str = "TEXT^XML") -> str:
    data = base64.b64encode(content).decode()
    return f"OBX|1|ED|11502-2^CR d'examens biologiques^LN||^{media}^Base64^{data}||||||F"


def test_lab_sample_reads_two_panels_with_numeric_results() -> None:
    report = _report(fixture_bytes("LAB-ORU-1.hl7"))
    assert report.patient.key.ipp == "10006579"  # MR accepted when no PI is sent
    assert [g.panel.code for g in report.groups] == ["24317-0", "26464-8"]
    assert report.groups[0].panel.system == "LN"
    first = report.groups[0].observations
    assert first[0].value is None and first[0].status == "I"
    erythrocytes = first[1]
    assert erythrocytes.code.code == "11273-0"
    assert erythrocytes.value == Decimal("4.06")
    assert erythrocytes.units is not None and erythrocytes.units.code == "tera.l-1"
    assert erythrocytes.abnormal_flags == ("N",)
    assert erythrocytes.status == "P"
    # 06:27 Paris in October (UTC+2) is 04:27 UTC.
    assert erythrocytes.observed_at == dt.datetime(2014, 10, 6, 4, 27, tzinfo=UTC)
    assert not report.confidential


def test_result_values_are_typed_by_obx2() -> None:
    report = _report(
        _oru(
            "OBX|1|NM|2345-7^GLUCOSE^LN||5.4|mmol/L^mmol/L^UCUM|3.9-5.8|N|||F|||20250110073000+0100",
            "OBX|2|SN|1988-5^CRP^LN||<^5|mg/L|||||F",
            "OBX|3|SN|5130-0^DILUTION^LN||^1^:^128||||||C",
            "OBX|4|CWE|882-1^ABO RH^LN||A+^A positif^LOCAL||||||F",
            "OBX|5|TX|8251-1^COMMENT^LN||ligne 1~ligne 2||||||F",
            "OBX|6|ST|8251-1^COMMENT^LN||texte \\T\\ suite||||||D",
        )
    )
    values = [o.values for o in report.groups[0].observations]
    assert values[0] == (Decimal("5.4"),)
    assert values[1] == (StructuredNumeric("<", Decimal(5)),)
    assert values[2] == (StructuredNumeric("", Decimal(1), ":", Decimal(128)),)
    assert values[3][0] == report.groups[0].observations[3].value
    assert getattr(values[3][0], "code", None) == "A+"
    assert values[4] == ("ligne 1", "ligne 2")
    assert values[5] == ("texte & suite",)
    glucose = report.groups[0].observations[0]
    assert glucose.reference_range == "3.9-5.8"
    assert glucose.observed_at == dt.datetime(2025, 1, 10, 6, 30, tzinfo=UTC)
    assert [o.status for o in report.groups[0].observations] == ["F", "F", "C", "F", "F", "D"]
    group = report.groups[0]
    assert (group.placer_order, group.filler_order, group.status) == ("PLACER1", "FILLER1", "F")
    assert group.reported_at == dt.datetime(2025, 1, 10, 8, 0, tzinfo=UTC)


def test_cda_document_is_decoded_and_its_text_extracted() -> None:
    report = _report(_oru(_document_obx(CDA), _meta(2, "MASQUE_PS", "N")))
    document = report.groups[0].documents[0]
    assert document.content == CDA
    assert document.media_type == "text/xml"
    assert document.code.code == "11502-2"
    assert document.title == "CR de biologie"
    assert document.text.splitlines() == [
        "Hématologie",
        "Hémoglobine 145 g/L",
        "CRP 12 mg/L",
        "Plaquettes 250 G/L",
    ]
    assert report.groups[0].observations == ()
    assert report.groups[0].metadata == (("MASQUE_PS", "N"),)
    assert not report.confidential


@pytest.mark.parametrize("flag", ["CONNEXION_SECRETE", "MASQUE_PS"])
def test_metadata_flags_mark_a_confidential_document(flag: str) -> None:
    report = _report(_oru(_document_obx(CDA), _meta(2, flag, "Y"), _meta(3, "DESTDMP", "Y")))
    assert report.confidential
    assert report.confidentiality_flags == (flag,)


def test_document_without_sections_yields_all_its_text() -> None:
    text = extract_text(b"<doc><p>un</p> <p>deux</p></doc>")
    assert text is not None and text.text == "un deux"


def test_plain_text_labelled_xml_is_kept_and_shown_as_its_words() -> None:
    # The ANS examples send a sentence where the CDA would be: an empty report on the summary
    # would hide that something was received.
    report = _report(_oru(_document_obx(b"Document medical au format CDA niveau 1")))
    document = report.groups[0].documents[0]
    assert document.content.startswith(b"Document")
    assert document.text == "Document medical au format CDA niveau 1"


def test_binary_content_labelled_xml_is_kept_without_text() -> None:
    report = _report(_oru(_document_obx(b"%PDF-1.7\x00\x01binary")))
    assert report.groups[0].documents[0].text == ""


def test_xml_entities_are_never_expanded() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<ClinicalDocument><title>&x;</title></ClinicalDocument>"
    )
    assert extract_text(xxe) is None
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        laughs += f'<!ENTITY {name} "{("&" + previous + ";") * 10}">'.encode()
    laughs += b"]><l>&j;</l>"
    assert extract_text(laughs) is None
    report = _report(_oru(_document_obx(xxe)))
    assert report.groups[0].documents[0].text == ""


def test_bad_base64_is_a_data_type_error() -> None:
    obx = "OBX|1|ED|11502-2^CR^LN||^TEXT^XML^Base64^@@@=A||||||F"
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(_oru(obx)))
    assert (caught.value.code, caught.value.location) == ("102", "OBX^1^5")


@pytest.mark.parametrize(
    ("obx", "code", "where"),
    [
        ("OBX|1|NM|2345-7^GLUCOSE^LN||cinq||||||F", "102", "OBX^1^5"),
        ("OBX|1|NM|2345-7^GLUCOSE^LN||5||||||", "101", "OBX^1^11"),
        ("OBX|1|NM|2345-7^GLUCOSE^LN||5||||||Z", "103", "OBX^1^11"),
        ("OBX|1|NM|||5||||||F", "101", "OBX^1^3"),
        ("OBX|1||2345-7^GLUCOSE^LN||5||||||F", "101", "OBX^1^2"),
        ("OBX|1|NM|2345-7^GLUCOSE^LN||5||||||F|||2025-01-10", "102", "OBX^1^14"),
    ],
)
def test_bad_observations_raise_located_errors(obx: str, code: str, where: str) -> None:
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(_oru(obx)))
    assert (caught.value.code, caught.value.location) == (code, where)


def test_obx_before_any_obr_is_a_segment_sequence_error() -> None:
    data = message(msh("ORU^R01^ORU_R01"), pid(), "OBX|1|NM|X^Y^LN||1||||||F")
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(data))
    assert caught.value.code == "100"


RDE = message(
    msh("RDE^O11^RDE_O11"),
    pid(),
    pv1(),
    segment(
        "ORC",
        {
            1: "NW",
            2: "PRESC1^HIS",
            5: "IP",
            9: "20250110080000",
            12: "10003^DOC^ANNE^^^^^^ASIP-SANTE-PS&1.2.250.1.71.4.2.1&ISO",
        },
    ),
    segment(
        "RXE",
        {
            1: "^^^20250110080000^20250115080000",
            2: "3400930000000^PARACETAMOL 1G CPR^CIP",
            3: "1",
            5: "G^gramme^UCUM",
            6: "CPR^comprimé^EDQM",
            7: "^Si douleur",
        },
    ),
    "RXR|PO^Voie orale^EDQM",
    segment("TQ1", {1: "1", 3: "Q6H^Toutes les 6 heures", 7: "20250110090000"}),
    segment("ORC", {1: "DC", 2: "PRESC2^HIS", 5: "DC"}),
    segment("RXO", {1: "MORPH^MORPHINE^LOCAL", 2: "2", 3: "4", 4: "MG^mg^UCUM"}),
)


def test_rde_o11_reads_each_prescription() -> None:
    result = interpret(parse_message(RDE))
    assert isinstance(result, PrescriptionOrder)
    first, second = result.prescriptions
    assert first.order.control == "NW"
    assert first.order.placer_id == "PRESC1"
    assert first.order.status == "IP"
    assert first.order.prescriber is not None and first.order.prescriber.family == "DOC"
    assert first.order.prescriber.authority == "1.2.250.1.71.4.2.1"
    assert first.drug.code == "3400930000000"
    assert first.drug.label == "PARACETAMOL 1G CPR"
    assert first.dose == Decimal(1)
    assert first.unit is not None and first.unit.code == "G"
    assert first.form is not None and first.form.label == "comprimé"
    assert first.route is not None and first.route.code == "PO"
    assert first.frequency == "Q6H"
    assert first.start == dt.datetime(2025, 1, 10, 8, 0, tzinfo=UTC)  # TQ1-7 wins over RXE-1
    assert first.end is None
    assert first.instructions == "Si douleur"
    assert (second.order.control, second.order.status) == ("DC", "DC")
    assert second.drug.code == "MORPH"
    assert (second.dose, second.dose_max) == (Decimal(2), Decimal(4))
    assert second.route is None


def test_rde_timing_falls_back_to_rxe1() -> None:
    data = RDE.replace(b"TQ1|1||Q6H^Toutes les 6 heures||||20250110090000\r", b"")
    result = interpret(parse_message(data))
    assert isinstance(result, PrescriptionOrder)
    first = result.prescriptions[0]
    assert first.start == dt.datetime(2025, 1, 10, 7, 0, tzinfo=UTC)
    assert first.end == dt.datetime(2025, 1, 15, 7, 0, tzinfo=UTC)


def test_rde_without_drug_or_order_number_is_refused() -> None:
    no_drug = message(msh("RDE^O11^RDE_O11"), pid(), "ORC|NW|P1", "RXE|||1")
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(no_drug))
    assert (caught.value.code, caught.value.location) == ("101", "RXE^1^2")
    no_id = message(msh("RDE^O11^RDE_O11"), pid(), "ORC|NW", "RXE||X^Y")
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(no_id))
    assert (caught.value.code, caught.value.location) == ("101", "ORC^1^2")
    no_rxe = message(msh("RDE^O11^RDE_O11"), pid(), "ORC|NW|P1")
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(no_rxe))
    assert caught.value.code == "100"


def test_ras_o17_reads_each_administration() -> None:
    rxa = segment(
        "RXA",
        {
            1: "0",
            2: "1",
            3: "20250110100000",
            4: "20250110100500",
            5: "3400930000000^PARACETAMOL 1G CPR^CIP",
            6: "1",
            7: "G^gramme^UCUM",
            9: "^Bien toléré",
            10: "IDE1^INFIRMIERE^PAULE",
            20: "CP",
            21: "A",
        },
    )
    refused = segment(
        "RXA",
        {
            1: "0",
            2: "2",
            3: "20250110160000",
            5: "3400930000000^PARACETAMOL^CIP",
            6: "0",
            20: "RE",
            21: "A",
        },
    )
    data = message(
        msh("RAS^O17^RAS_O17"),
        pid(),
        pv1(),
        "ORC|RE|PRESC1^HIS",
        rxa,
        "RXR|PO^Voie orale^EDQM",
        refused,
    )
    result = interpret(parse_message(data))
    assert isinstance(result, AdministrationReport)
    given, not_given = result.administrations
    assert given.order.placer_id == "PRESC1"
    assert given.drug.code == "3400930000000"
    assert given.amount == Decimal(1)
    assert given.unit is not None and given.unit.code == "G"
    assert given.route is not None and given.route.code == "PO"
    assert given.start == dt.datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    assert given.end == dt.datetime(2025, 1, 10, 9, 5, tzinfo=UTC)
    assert given.administered_by[0].family == "INFIRMIERE"
    assert given.notes == ("Bien toléré",)
    assert (given.completion_status, given.action) == ("CP", "A")
    assert not_given.completion_status == "RE"
    assert not_given.route is None


def test_ras_without_administration_time_is_refused() -> None:
    data = message(msh("RAS^O17^RAS_O17"), pid(), "ORC|RE|P1", "RXA|0|1||X^Y^Z|1")
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(data))
    assert (caught.value.code, caught.value.location) == ("101", "RXA^1^3")


def test_other_triggers_of_known_types_are_kept_not_applied() -> None:
    data = message(msh("ORU^R30^ORU_R30"), pid())
    result = interpret(parse_message(data))
    assert type(result).__name__ == "UnknownEvent"
