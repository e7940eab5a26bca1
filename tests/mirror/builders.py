"""Hand-written PAM FR messages for the HL7 tests, built from the profile's tables."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hl7v2"
AUTHORITY = "CH-TEST&123456789&M"
INS_TEST_OID = "1.2.250.1.213.1.4.10"
INS = f"280017512345610^^^ASIP-SANTE-INS-NIR&{INS_TEST_OID}&ISO^INS"
IPP = f"IPP000042^^^{AUTHORITY}^PI"
NDA = f"NDA000042^^^{AUTHORITY}^AN"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def msh(message_type: str, control_id: str = "MSG1", charset: str = "UNICODE UTF-8") -> str:
    return (
        f"MSH|^~\\&|SIMUL_GAM|CH-TEST|MIROIR|CH-TEST|20250110080500||{message_type}|{control_id}|"
        f"P|2.5^FRA^2.11|||||FRA|{charset}|FR||2.11^IHE_FRANCE-2.11-PAM^M"
    )


def pid(
    identifiers: str = f"{IPP}~{INS}",
    statuses: str = "VALI",
    names: str = "TESTFICTIF^CAMILLE^CAMILLE MARIE^^^^L~DUPONT^CAMILLE^^^^^D",
    nda: str = NDA,
) -> str:
    fields = [
        "PID",
        "1",
        "",
        identifiers,
        "",
        names,
        "",
        "19800101",
        "F",
        "",
        "",
        "1 RUE DE L EXEMPLE^^RENNES^^35000^FRA^H~^^^^^^BDL^^35238",
        "",
        "",
        "",
        "",
        "",
        "",
        nda,
    ]
    fields += [""] * (32 - len(fields)) + [statuses]
    return "|".join(fields)


def pv1(location: str = "2010^12^1^CH-TEST&123456789&M^O", patient_class: str = "I") -> str:
    fields = ["PV1", "1", patient_class, location, "", "", "", "10003^DOC^ANNE"]
    fields += [""] * (19 - len(fields)) + [f"VN000042^^^{AUTHORITY}^VN"]
    fields += [""] * (44 - len(fields)) + ["20250110080000"]
    return "|".join(fields)


def zbe(
    movement_id: str = "MVT0001",
    start: str = "20250110080000",
    action: str = "INSERT",
    historic: str = "N",
    original: str = "",
    unit: str = "2010",
    nature: str = "HMS",
) -> str:
    xon = f"Cardiologie^^^^^{AUTHORITY}^UF^^^{unit}"
    return (
        f"ZBE|{movement_id}^SIMUL_GAM^1.2.250.1.999999.1.2^ISO|{start}||{action}|{historic}|"
        f"{original}|{xon}|{xon}|{nature}"
    )


def message(*segments: str, end: str = "\r") -> bytes:
    return end.join(segments).encode("utf-8")


def adt(trigger: str, *body: str, control_id: str = "MSG1") -> bytes:
    return message(msh(f"ADT^{trigger}^ADT_A01", control_id), "EVN||20250110080500", *body)


def movement(trigger: str, **zbe_fields: str) -> bytes:
    return adt(trigger, pid(), pv1(), zbe(**zbe_fields))


def segment(name: str, values: dict[int, str]) -> str:
    """A segment from its non-empty fields, keyed by HL7 field number."""
    last = max(values, default=0)
    return "|".join([name, *(values.get(index, "") for index in range(1, last + 1))])
