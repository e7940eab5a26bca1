"""Hand-written PAM France messages for the mirror's database tests."""

from __future__ import annotations

AUTH = "CH-TEST&1.2.250.1.71.4.2.2.123456789&ISO"


def adt(
    trigger: str,
    control: str,
    *,
    ipp: str = "IPP001",
    nda: str = "NDA001",
    family: str = "DUPONT",
    given: str = "JEANNE",
    birth: str = "19500312",
    sex: str = "F",
    statuses: str = "PROV",
    ins: str = "",
    unit: str = "2010",
    room: str = "12",
    bed: str = "1",
    movement: str = "MVT1",
    action: str = "INSERT",
    start: str = "20250110080000",
    original: str = "",
    mrg: str = "",
) -> bytes:
    ids = f"{ipp}^^^{AUTH}^PI"
    if ins:
        ids += f"~{ins}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.10&ISO^INS"
    segments = [
        f"MSH|^~\\&|GAM|CH-TEST|AUTARCIE|CH-TEST|{start}||ADT^{trigger}^ADT_A01|{control}|P|"
        "2.5^FRA^2.11|||||FRA|UNICODE UTF-8|FR||2.11^IHE_FRANCE-2.11-PAM",
        f"EVN||{start}||||{start}",
        f"PID|||{ids}||{family}^{given}^^^^^L||{birth}|{sex}|||1 rue des Lilas^^Rennes^^35000"
        f"|||||||{nda}^^^{AUTH}^AN||||||||||||||{statuses}",
    ]
    if mrg:
        segments.append(f"MRG|{mrg}^^^{AUTH}^PI")
    if trigger not in ("A28", "A31", "A40", "A47"):
        segments.append(f"PV1|1|I|{unit}^{room}^{bed}^CH-TEST^O||||||||||||||||{nda}^^^{AUTH}^VN")
        zbe6 = original if action != "INSERT" else ""
        segments.append(
            f"ZBE|{movement}^GAM^1.2.250.1.999^ISO|{start}||{action}|N|{zbe6}|"
            f"Unite^^^^^CH-TEST^UF^^^{unit}|Unite^^^^^CH-TEST^UF^^^{unit}|HMS"
        )
    return "\r".join(segments).encode() + b"\r"
