"""Hand-built PAM FR movements (A01 admit, A02 transfer, A03 discharge) with unique MSH-10."""

from __future__ import annotations

AUTHORITY = "CH-TEST&123456789&M"
_EVENTS = {"A01": ("ADT_A01", "HMS"), "A02": ("ADT_A02", "MMS"), "A03": ("ADT_A03", "SMS")}


def pam(trigger: str, control_id: str, patient: int, unit: str = "2010", step: int = 0) -> bytes:
    """One PAM FR movement for patient number `patient`; `step` numbers its movements."""
    structure, nature = _EVENTS[trigger]
    stamp = f"20250110{8 + step % 12:02d}{step % 60:02d}00"
    xon = f"UF {unit}^^^^^{AUTHORITY}^UF^^^{unit}"
    pid = [
        "PID",
        "1",
        "",
        f"IPP{patient:07d}^^^{AUTHORITY}^PI",
        "",
        f"TESTNOM{patient}^PRENOM^^^^^L",
        "",
        "19800101",
        "F",
    ]
    pid += [""] * (18 - len(pid)) + [f"NDA{patient:07d}^^^{AUTHORITY}^AN"]
    pid += [""] * (32 - len(pid)) + ["PROV"]
    pv1 = ["PV1", "1", "I", f"{unit}^01^1^{AUTHORITY}^O"]
    pv1 += [""] * (19 - len(pv1)) + [f"VN{patient:07d}^^^{AUTHORITY}^VN"]
    pv1 += [""] * (44 - len(pv1)) + ["20250110080000"]
    if trigger == "A03":
        pv1 += [f"{stamp}"]
    segments = [
        f"MSH|^~\\&|SIMUL_GAM|CH-TEST|MIROIR|CH-TEST|{stamp}||ADT^{trigger}^{structure}|"
        f"{control_id}|P|2.5^FRA^2.11|||||FRA|UNICODE UTF-8|FR||2.11^IHE_FRANCE-2.11-PAM^M",
        f"EVN||{stamp}||||{stamp}",
        "|".join(pid),
        "|".join(pv1),
        f"ZBE|MVT{patient:07d}{step:03d}^SIMUL_GAM^1.2.250.1.999999.1.2^ISO|{stamp}||INSERT|N||"
        f"{xon}|{xon}|{nature}",
    ]
    return "\r".join(segments).encode("utf-8")


def stay(patient: int, prefix: str, units: tuple[str, ...] = ("2010", "2020")) -> list[bytes]:
    """A01, one A02 per further unit, then A03: one patient's stay in order."""
    out = [pam("A01", f"{prefix}-{patient}-0", patient, units[0], 0)]
    for step, unit in enumerate(units[1:], start=1):
        out.append(pam("A02", f"{prefix}-{patient}-{step}", patient, unit, step))
    last = len(units)
    out.append(pam("A03", f"{prefix}-{patient}-{last}", patient, units[-1], last))
    return out


def truncated(control_id: str) -> bytes:
    """An A01 cut after EVN: it reads as HL7 but lacks PID and PV1."""
    raw = pam("A01", control_id, 1)
    return raw[: raw.index(b"\rPID")]
