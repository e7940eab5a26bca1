"""The pure builders on hand-made records: corrections and cancellations, every FHIR kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_segment

from autarcie.mirror.hl7.interpret import interpret
from autarcie.mirror.hl7.pam import MovementEvent
from autarcie.mirror.hl7.parser import parse_message
from autarcie.recovery.fhir_build import patient_bundle
from autarcie.recovery.hl7_build import Sending, build_message
from autarcie.recovery.items import Item, Target
from autarcie.recovery.ror import dispolits_parameters

NOW = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)
NEW = Target(
    "T010000001A",
    "350005179",
    "VT010000001A",
    "DUPONT",
    "MARTIN",
    "Jean",
    dt.date(1960, 1, 2),
    "I",
    new=True,
    tempid="T010000001A",
)
KNOWN = Target(
    "P1",
    "1.2.250.1.71.4.2.2.350005179",
    "N1",
    "LEFÈVRE",
    "",
    "Marie",
    dt.date(1950, 3, 12),
    "F",
    new=False,
)


def _item(
    kind: str,
    data: dict[str, Any],
    version: int = 1,
    *,
    cancelled: bool = False,
    target: Target = KNOWN,
) -> Item:
    return Item(
        f"entry:{kind}{version}",
        kind,
        version,
        cancelled,
        "2010",
        NOW,
        "ide",
        "p",
        "P1",
        target,
        data,
    )


def test_corrections_and_cancellations_become_z99_and_cancel_triggers() -> None:
    sending = Sending("350005179", NOW, {"1000"})
    cases = {
        "A04": _item("movement", {"movement": "admission", "unit_code": "1000"}, target=NEW),
        "Z99": _item("movement", {"movement": "transfer", "unit_code": "2010"}, 2),
        "A13": _item("movement", {"movement": "discharge"}, 2, cancelled=True),
        "A52": _item("movement", {"movement": "leave"}, 2, cancelled=True),
    }
    for trigger, item in cases.items():
        raw = build_message(item, sending).raw
        message = parse_message(raw)
        assert message.trigger_event == trigger
        assert isinstance(interpret(message), MovementEvent)
        for text in raw.decode().split("\r"):
            if text and not text.startswith("Z"):
                segment = parse_segment(
                    text, version="2.5", validation_level=VALIDATION_LEVEL.STRICT
                )
                assert segment.validate(), text


def test_a_corrected_result_is_status_c_and_a_cancelled_one_d() -> None:
    sending = Sending("350005179", NOW)
    result = {"test_label": "Kaliémie", "value": "6,1", "unit": "mmol/L", "document": "fax"}
    corrected = build_message(_item("result", result, 2), sending).raw.decode()
    cancelled = build_message(_item("result", result, 3, cancelled=True), sending).raw.decode()
    assert "|NM|KALIEMIE^Kaliémie^L||6.1|mmol/L|||||C|" in corrected
    assert "||||D|" in cancelled


def test_every_kind_of_record_is_a_valid_fhir_resource() -> None:
    items = [
        _item("movement", {"movement": "discharge"}),
        _item("vitals", {"systolic": 120, "temperature": "37.5", "pain": 3, "consciousness": "A"}),
        _item("result", {"test_label": "CRP", "value": "positif", "document": "bon"}),
        _item("administration", {"status": "not_given", "not_given_reason": "à jeun"}),
        _item(
            "prescription",
            {"drug_label": "Paracétamol", "dose": "1 g", "route": "PO", "frequency": "3/j"},
        ),
        _item("note", {"category": "medical", "text": "Évolution favorable."}, cancelled=True),
    ]
    bundle = patient_bundle(NEW, items, "350005179")
    Bundle.model_validate(bundle)
    assert (
        bundle["entry"][0]["resource"]["extension"][0]["extension"][0]["valueCoding"]["code"]
        == "PROV"
    )
    note = bundle["entry"][-1]
    assert note["resource"]["status"] == "entered-in-error"
    assert note["request"]["method"] == "PUT"


def test_a_bed_statement_is_a_valid_parameters_body() -> None:
    item = Item(
        "bed:1",
        "beds",
        1,
        False,
        "3000",
        NOW,
        "ide",
        "",
        "3000",
        None,
        {"ror_category": "121", "installed": 12, "available": 3, "occupied": 8, "closed": 1},
    )
    body = dispolits_parameters(item)
    Parameters.model_validate(body)
    counts = [op["part"][2]["part"][4]["part"][1]["valueInteger"] for op in body["parameter"]]
    assert counts == [12, 3, 8, 1]
