"""Downtime records as HL7 v2.5 messages for the HIS: pure builders, no database.

PAM France ADT for identities (A28) and movements (A01/A04, A02, A21, A22, A03; Z99 for a
correction, the cancel trigger for a cancellation), all flagged historic (ZBE-5 ``Y``)
because they are back-entered; ORU^R01 for results typed from paper; RAS^O17 for
administrations. Control ids derive from the record and its version, so a message sent
again is recognised as a repeat by the receiver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from autarcie.recovery.items import IDENTITY, Item, Target

PARIS = ZoneInfo("Europe/Paris")
SENDER = "AUTARCIE"
RECEIVER = "SIH"
PAM_PROFILE = "2.11^IHE_FRANCE-2.11-PAM"
_OID = re.compile(r"^[0-2](\.\d+)+$")
_FINESS = re.compile(r"^[0-9A-Z]{9}$")
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*)$")
_DECIMAL = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_ESCAPES = str.maketrans({"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"})
_SEX = {"F": "F", "M": "M"}
MOVEMENT_TRIGGERS = {
    "admission": "A01",
    "transfer": "A02",
    "leave": "A21",
    "return": "A22",
    "discharge": "A03",
}
CANCEL_TRIGGERS = {
    "A01": "A11",
    "A04": "A11",
    "A02": "A12",
    "A03": "A13",
    "A21": "A52",
    "A22": "A53",
}
FLAGS = frozenset({"N", "H", "L", "HH", "LL", "A"})


@dataclass(frozen=True)
class Built:
    """One message and the record it carries."""

    record: str
    control_id: str
    raw: bytes


@dataclass(frozen=True)
class Sending:
    """Who sends, to whom, when: the fields every header shares."""

    facility: str
    at: dt.datetime
    emergency_units: Collection[str] = ()


def esc(text: object) -> str:
    return str(text).translate(_ESCAPES).replace("\r", " ").replace("\n", " ")


def ts(moment: dt.datetime | None) -> str:
    """Paris local time without offset (PAM FR convention)."""
    return moment.astimezone(PARIS).strftime("%Y%m%d%H%M%S") if moment else ""


def segment(*fields: str) -> str:
    values = list(fields)
    while values and not values[-1]:
        values.pop()
    return "|".join(values)


def placed(name: str, fields: dict[int, str]) -> str:
    return segment(name, *(fields.get(i, "") for i in range(1, max(fields) + 1)))


def control_id(item: Item) -> str:
    digest = hashlib.sha1(f"{item.record}@{item.version}".encode(), usedforsecurity=False)
    return "R" + digest.hexdigest()[:16].upper()


def local_code(label: str) -> str:
    """A local code from a label (paper results and drugs have no LOINC or CIP here)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", ascii_text.upper()).strip("_")[:20] or "INCONNU"


def authority_hd(authority: str) -> str:
    """CX-4 (as subcomponents) for an assigning authority as the mirror keys it."""
    if _OID.match(authority):
        return f"{SENDER}&{authority}&ISO"
    if _FINESS.match(authority):
        return f"{SENDER}&{authority}&M"
    return esc(authority).replace("\\T\\", "&")


def msh(s: Sending, kind: str, control: str, profile: str = PAM_PROFILE) -> str:
    head = (
        f"MSH|^~\\&|{SENDER}|{esc(s.facility)}|{RECEIVER}|{esc(s.facility)}|{ts(s.at)}||{kind}|"
        f"{control}|P|2.5^FRA^2.11|||||FRA|UNICODE UTF-8|FR"
    )
    return f"{head}||{profile}" if profile else head


def _received_hd(assigner: str) -> str:
    return "&".join(esc(part) for part in assigner.split("&"))


def pid(target: Target, *, statuses: str = "") -> str:
    cx4 = authority_hd(target.authority)
    # The IPP under the CX-4 the HIS sent it with: its own namespace and OID find it back.
    ipp_hd = _received_hd(target.assigner) if target.assigner else cx4
    names = f"{esc(target.birth_family)}^{esc(target.given)}^^^^^L"
    if target.used_family:
        names += f"~{esc(target.used_family)}^{esc(target.given)}^^^^^D"
    return placed(
        "PID",
        {
            3: f"{esc(target.ipp)}^^^{ipp_hd}^PI",
            5: names,
            7: target.birth_date.strftime("%Y%m%d") if target.birth_date else "",
            8: _SEX.get(target.sex, "U"),
            18: f"{esc(target.nda)}^^^{cx4}^AN",
            32: statuses,
        },
    )


def pv1(target: Target, s: Sending, unit: str, patient_class: str) -> str:
    location = f"{esc(unit)}^^^{esc(s.facility)}^O" if unit else ""
    return placed(
        "PV1",
        {
            1: "1",
            2: patient_class,
            3: location,
            19: f"{esc(target.nda)}^^^{authority_hd(target.authority)}^VN",
        },
    )


def _identity(item: Item, target: Target, s: Sending) -> str:
    control = control_id(item)
    return "\r".join(
        (
            msh(s, "ADT^A28^ADT_A05", control),
            segment("EVN", "", ts(s.at), "", "", "", ts(item.written_at)),
            pid(target, statuses="PROV"),
            placed("PV1", {1: "1", 2: "N"}),
        )
    )


def _movement(item: Item, target: Target, s: Sending) -> str:
    kind = str(item.data.get("movement", ""))
    unit = str(item.data.get("unit_code") or item.unit_code)
    trigger = MOVEMENT_TRIGGERS[kind]
    emergency = unit in s.emergency_units
    if trigger == "A01" and emergency:
        trigger = "A04"
    action, original = "INSERT", ""
    if item.cancelled:
        action, original, trigger = "CANCEL", trigger, CANCEL_TRIGGERS[trigger]
    elif item.version > 1:
        action, original, trigger = "UPDATE", trigger, "Z99"
    uf = f"{esc(unit)}^^^^^{esc(s.facility)}^UF^^^{esc(unit)}" if unit else ""
    zbe = placed(
        "ZBE",
        {
            1: f"{item.record.removeprefix('entry:')[:20]}^{SENDER}",
            2: ts(item.written_at),
            4: action,
            5: "Y",
            6: original,
            7: uf,
            8: uf,
            9: "HMS",
        },
    )
    return "\r".join(
        (
            msh(s, f"ADT^{trigger}^ADT_A01", control_id(item)),
            segment("EVN", "", ts(s.at), "", "", "", ts(item.written_at)),
            pid(target),
            pv1(target, s, unit, "E" if emergency else "I"),
            zbe,
        )
    )


def _result(item: Item, target: Target, s: Sending) -> str:
    data = item.data
    label = str(data.get("test_label", ""))
    code = f"{local_code(label)}^{esc(label)}^L"
    value = str(data.get("value", ""))
    numeric = _DECIMAL.fullmatch(value.strip()) is not None
    status = "D" if item.cancelled else "C" if item.version > 1 else "F"
    flag = str(data.get("flag", ""))
    observed = data.get("observed_at")
    when = ts(dt.datetime.fromisoformat(observed)) if observed else ts(item.written_at)
    order = control_id(item)
    obx = placed(
        "OBX",
        {
            1: "1",
            2: "NM" if numeric else "ST",
            3: code,
            5: value.strip().replace(",", ".") if numeric else esc(value),
            6: esc(data.get("unit", "")),
            7: esc(data.get("reference_range", "")),
            8: flag if flag in FLAGS else "",
            11: status,
            14: when,
        },
    )
    return "\r".join(
        (
            msh(s, "ORU^R01^ORU_R01", order, profile=""),
            pid(target),
            pv1(target, s, item.unit_code, "I"),
            placed("ORC", {1: "RE", 2: f"{order}^{SENDER}", 3: f"{order}^{SENDER}"}),
            placed(
                "OBR",
                {
                    1: "1",
                    2: f"{order}^{SENDER}",
                    3: f"{order}^{SENDER}",
                    4: code,
                    7: when,
                    25: status,
                },
            ),
            obx,
            placed("NTE", {1: "1", 3: esc(f"Saisi d'après : {data.get('document', '')}")}),
        )
    )


def _amount(dose: str) -> tuple[str, str]:
    match = _NUMBER.match(dose)
    if match is None:
        return "0", ""
    return match.group(1).replace(",", "."), match.group(2).strip()


def _administration(item: Item, target: Target, s: Sending) -> str:
    data = item.data
    label = str(data.get("drug_label") or "médicament")
    amount, unit = _amount(str(data.get("dose", "")))
    given = data.get("status") == "given"
    order = control_id(item)
    prescription = hashlib.sha1(
        str(data.get("prescription", "")).encode(), usedforsecurity=False
    ).hexdigest()[:16]
    action = "D" if item.cancelled else "U" if item.version > 1 else "A"
    reason = str(data.get("not_given_reason", ""))
    rxa = placed(
        "RXA",
        {
            1: "0",
            2: "1",
            3: ts(item.written_at),
            4: ts(item.written_at),
            5: f"{local_code(label)}^{esc(label)}^L",
            6: amount if given else "0",
            7: f"{esc(unit)}^{esc(unit)}^L" if unit and given else "",
            9: f"^{esc(reason)}" if reason else "",
            20: "CP" if given else "NA",
            21: action,
        },
    )
    return "\r".join(
        (
            msh(s, "RAS^O17^RAS_O17", order, profile=""),
            pid(target),
            pv1(target, s, item.unit_code, "I"),
            placed("ORC", {1: "RE", 2: f"{prescription}^{SENDER}", 3: f"{order}^{SENDER}"}),
            rxa,
        )
    )


_BUILDERS = {
    IDENTITY: _identity,
    "movement": _movement,
    "result": _result,
    "administration": _administration,
}


def build_message(item: Item, s: Sending) -> Built:
    """The message of one record (its target must be resolved)."""
    if item.target is None:
        raise ValueError(f"{item.record} has no reconciled identity")
    text = _BUILDERS[item.kind](item, item.target, s) + "\r"
    return Built(item.record, control_id(item), text.encode("utf-8"))
