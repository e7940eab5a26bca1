"""Codes keep their systems, results are corrected and deleted, documents replaced and cancelled:
through the real HL7 ingest path, read back from the store and the patient summary."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from autarcie.chart.queries import summaries
from autarcie.formats.codes import LOINC, UCUM
from autarcie.mirror.models import Document, Patient, Result, Version
from autarcie.mirror.store import load_json
from autarcie.viewer.summary_page import document_articles
from tests.mirror_db.builders import AUTH
from tests.mirror_db.conftest import T0, feed, messages

pytestmark = pytest.mark.django_db

ORU = "oru_F_C_D_coded.hl7"
MDM = "cisis_mdm_T02_T10_T11.hl7"
LATER = T0 + dt.timedelta(hours=4)


def _result(code: str) -> Result:
    return Result.objects.get(code=code)


def _acked(raws: list[bytes]) -> None:
    outcomes = feed(raws)
    assert [o.code for o in outcomes] == ["AA"] * len(raws), [o.ack for o in outcomes]


def test_coded_result_keeps_loinc_and_its_ucum_unit() -> None:
    _acked(messages(ORU)[:1])
    glucose = _result("2345-7")
    assert glucose.code_system == LOINC
    # The unit is OBX-6.1, not its text ("millimole par litre").
    assert (glucose.unit, glucose.unit_system) == ("mmol/L", UCUM)


def test_local_code_and_local_unit_keep_their_local_system_and_no_ucum() -> None:
    _acked(messages(ORU)[:1])
    local = _result("GLYC-L")
    assert local.code_system == "L"
    assert (local.unit, local.unit_system) == ("UI/L", "")
    # No OBX-6.3, but U/L parses as UCUM: it is one.
    assert _result("1920-8").unit_system == UCUM


def test_corrected_result_replaces_the_value_and_keeps_the_previous_version() -> None:
    _acked(messages(ORU)[:2])
    potassium = _result("2823-3")
    assert (potassium.value, potassium.status, potassium.flag) == ("4.1", "C", "N")
    kept = Version.objects.filter(rtype="Result", rkey=potassium.rkey).order_by("version")
    assert [load_json(v.data)["value"] for v in kept] == ["5.9", "4.1"]


def test_deleted_result_leaves_the_summary_and_its_versions_stay() -> None:
    _acked(messages(ORU))
    patient = Patient.objects.get()
    shown = summaries([patient], now=LATER)[0].panels
    labels = [line.label for lines in shown.values() for line in lines]
    assert "Glucose" not in labels and "Potassium" in labels
    glucose = _result("2345-7")
    assert glucose.status == "D"
    assert Version.objects.filter(rtype="Result", rkey=glucose.rkey).count() == 2


def test_cancelled_order_withdraws_its_results() -> None:
    first = messages(ORU)[0]
    cancel = first.replace(b"ORU-1", b"ORU-9").replace(b"ORC|RE|", b"ORC|CA|")
    _acked([first, cancel])
    assert set(Result.objects.values_list("status", flat=True)) == {"D"}


def _cisis_oru(control: str, orc: str) -> bytes:
    """A CI-SIS shaped ORU carrying a text report, its order cancelled by ORC-1 ``CA``."""
    report = base64.b64encode("Électrophorèse des protéines : normale.".encode()).decode()
    first = messages(ORU)[0].split(b"\r")
    head = [seg for seg in first if seg.startswith((b"MSH", b"PID", b"PV1"))]
    return b"\r".join(
        [
            head[0].replace(b"ORU-1", control.encode()),
            *head[1:],
            f"ORC|{orc}|98765431^Nephro|1001-E1^labo".encode(),
            b"OBR|1|98765431^Nephro|1001-E1^labo|11502-2^CR d'examens biologiques^LN",
            f"OBX|1|ED|11502-2^CR d'examens biologiques^LN||^text^plain^Base64^{report}"
            "||||||F|||202611230800".encode(),
            b"",
        ]
    )


def test_cisis_report_whose_order_is_cancelled_leaves_the_summary() -> None:
    _acked([_cisis_oru("DOC-1", "NW")])
    assert [text for _, text in _documents_shown()] == ["Électrophorèse des protéines : normale."]
    _acked([_cisis_oru("DOC-2", "CA")])
    assert _documents_shown() == []
    assert Document.objects.get().status == "D"


def test_result_posted_as_wrong_leaves_the_summary() -> None:
    first = messages(ORU)[0]
    wrong = first.replace(b"ORU-1", b"ORU-8").replace(b"|H|||F|", b"|H|||W|")
    _acked([first, wrong])
    assert _result("2823-3").status == "D"
    assert _result("2345-7").status == "F"


def _documents_shown() -> list[tuple[str, str]]:
    summary = summaries([Patient.objects.get()], now=LATER)[0]
    return [(d.title, d.text) for d in summary.documents]


def test_mdm_t02_shows_the_cda_text_on_the_summary() -> None:
    _acked(messages(MDM)[:1])
    document = Document.objects.get()
    assert (document.type_code, document.type_system) == ("18748-4", LOINC)
    assert _documents_shown() == [
        (
            "Radiographie thoracique",
            "Conclusion\nOpacité basale droite.\nConclusion : pneumopathie probable.",
        )
    ]


def test_mdm_t10_replaces_the_document_and_keeps_the_first_version() -> None:
    _acked(messages(MDM)[:2])
    document = Document.objects.get()
    assert document.number.endswith(".700002")
    assert [title for title, _ in _documents_shown()] == [
        "Radiographie thoracique, seconde lecture"
    ]
    kept = Version.objects.filter(rtype="Document", rkey=document.rkey).order_by("version")
    assert ["droite" in load_json(v.data)["text"] for v in kept] == [True, False]
    # The summary says the report shown is a corrected version.
    [line] = summaries([Patient.objects.get()], now=LATER)[0].documents
    assert '<span class="badge">version corrigée</span>' in document_articles([line])


def test_mdm_t11_cancels_the_document_and_every_version_stays() -> None:
    _acked(messages(MDM))
    document = Document.objects.get()
    assert document.status == "D"
    assert _documents_shown() == []
    assert Version.objects.filter(rtype="Document", rkey=document.rkey).count() == 3


def test_mdm_with_text_lines_from_another_producer_is_read() -> None:
    # The sample's PID-3 has neither type nor authority, which the mirror refuses by design
    # (a patient is keyed by authority and IPP): give it ours, leave the rest as published.
    raw = messages("MDM-T02-02.hl7")[0].replace(
        b"PID|1|987654321|987654321|", b"PID|1||987654321^^^" + AUTH.encode() + b"^PI|"
    )
    _acked([raw])
    document = Document.objects.get()
    assert document.number == "1.2.840.317.5947431.51.20080131160038"
    assert document.text.splitlines() == [
        "Toilet cylinder crackers model step-mother visor opening communication",
        "Columnist draft inn brown income ikebana circulation prince",
    ]


def test_mdm_without_document_number_is_refused_with_its_reason() -> None:
    raw = b"\r".join(
        b"TXA|1|18748-4|TEXT|202611230900||||||||||||AU" if seg.startswith(b"TXA") else seg
        for seg in messages(MDM)[0].split(b"\r")
    )
    outcome = feed([raw])[0]
    assert outcome.code == "AE"
    assert b"TXA-12" in outcome.ack
    assert Document.objects.count() == 0
