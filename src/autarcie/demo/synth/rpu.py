"""Emergency passages: every RPU item, drawn consistently, and the OSCOUR XML file."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Own short list of common motives with their CIM-10 codes (not the SFMU thesaurus).
MOTIVES: tuple[tuple[str, str, str], ...] = (
    ("R074", "Douleur thoracique", "I209"),
    ("R060", "Dyspnée", "J189"),
    ("R104", "Douleur abdominale", "K359"),
    ("S610", "Plaie de la main", "S610"),
    ("S9340", "Entorse de cheville", "S934"),
    ("S7200", "Traumatisme de hanche", "S720"),
    ("R51", "Céphalée", "R51"),
    ("R55", "Malaise", "R55"),
    ("R509", "Fièvre", "A419"),
    ("R11", "Vomissements", "A09"),
    ("F329", "Trouble de l'humeur", "F329"),
    ("T509", "Intoxication médicamenteuse", "T424"),
    ("I639", "Déficit neurologique", "I639"),
    ("S0600", "Traumatisme crânien", "S060"),
    ("N23", "Colique néphrétique", "N200"),
)
ACTS: tuple[str, ...] = ("DEQP003", "YYYY600", "QZJA002", "ZBQK002", "NAQK015", "ACQK001")
SECONDARY: tuple[str, ...] = ("I10", "E119", "Z921", "J449", "N183", "F101")
HOSPITAL_ORIENTS = ("MED", "CHIR", "REA", "SI", "SC", "UHCD", "OBST", "HO", "HDT")
TRANSPORTS = ("PERSO", "AMBU", "VSAB", "SMUR", "HELI", "FO")
# PAM FR PV2-38 arrival modes for each RPU TRANSPORT value (interop reference §1).
TRANSPORT_TO_PV2_38 = {"PERSO": "5", "AMBU": "3", "VSAB": "7", "SMUR": "1", "HELI": "6", "FO": "0"}


@dataclass(frozen=True, slots=True)
class EdPassage:
    """One emergency registration with every RPU item; empty strings are empty items."""

    postcode: str
    commune: str
    birth: dt.date | None
    sex: str
    entered_at: dt.datetime
    mode_entree: str
    provenance: str
    transport: str
    transport_pec: str
    motif: str
    gravite: str
    dp: str
    da: tuple[str, ...]
    actes: tuple[str, ...]
    left_at: dt.datetime | None
    mode_sortie: str
    destination: str
    orient: str


@dataclass(frozen=True, slots=True)
class EdPlan:
    """What happens to a passage: its RPU items except exit time, and its length."""

    passage: EdPassage
    hours: float


def _exit(rng: random.Random) -> tuple[str, str, str]:
    """MODE_SORTIE, DESTINATION, ORIENT following the 2006 consistency tables."""
    draw = rng.random()
    if draw < 0.24:
        orient = rng.choice(HOSPITAL_ORIENTS)
        return "6", "4" if orient in ("HO", "HDT") else "1", orient
    if draw < 0.28:
        return "7", "1", rng.choice(("MED", "CHIR", "REA", "SI"))
    if draw < 0.283:
        return "9", "", ""
    if draw < 0.33:
        return "8", "", rng.choice(("FUGUE", "SCAM", "PSA", "REO"))
    return "8", "", ""


def draw_passage(
    rng: random.Random,
    *,
    postcode: str,
    commune: str,
    birth: dt.date,
    sex: str,
    entered_at: dt.datetime,
) -> EdPlan:
    """A consistent emergency passage (exit time left empty until it happens)."""
    transferred_in = rng.random() < 0.06
    mode_entree = rng.choice("67") if transferred_in else "8"
    provenance = rng.choice("1234") if transferred_in else rng.choice("55558")
    transport = rng.choices(TRANSPORTS, weights=(60, 15, 15, 6, 1, 3))[0]
    pec = {"SMUR": "MED", "HELI": "MED", "AMBU": "PARAMED", "VSAB": "PARAMED"}.get(
        transport, "AUCUN"
    )
    motive, _label, diagnosis = rng.choice(MOTIVES)
    mode_sortie, destination, orient = _exit(rng)
    gravite = "D" if mode_sortie == "9" and rng.random() < 0.5 else rng.choice("1122233P4")
    passage = EdPassage(
        postcode=postcode,
        commune=commune,
        birth=birth if rng.random() > 0.01 else None,
        sex=sex,
        entered_at=entered_at,
        mode_entree=mode_entree,
        provenance=provenance,
        transport=transport,
        transport_pec=pec,
        motif=motive,
        gravite=gravite,
        dp=diagnosis if rng.random() > 0.05 else "",
        da=tuple(rng.sample(SECONDARY, rng.randint(0, 2))),
        actes=tuple(rng.sample(ACTS, rng.randint(0, 2))),
        left_at=None,
        mode_sortie=mode_sortie,
        destination=destination,
        orient=orient,
    )
    return EdPlan(passage, rng.uniform(1.0, 9.0))


def check_consistency(passage: EdPassage) -> list[str]:
    """The RPU consistency rules a passage breaks (empty list when it is valid)."""
    errors: list[str] = []
    if passage.mode_entree in ("6", "7") and passage.provenance not in ("1", "2", "3", "4"):
        errors.append("MODE_ENTREE 6/7 needs PROVENANCE 1-4")
    if passage.mode_entree == "8" and passage.provenance not in ("5", "8", ""):
        errors.append("MODE_ENTREE 8 needs PROVENANCE 5 or 8")
    if passage.mode_sortie in ("6", "7"):
        if passage.destination not in ("1", "2", "3", "4"):
            errors.append("MODE_SORTIE 6/7 needs DESTINATION 1-4")
        if passage.orient not in HOSPITAL_ORIENTS:
            errors.append("MODE_SORTIE 6/7 needs a hospitalisation ORIENT")
    if passage.mode_sortie == "8":
        if passage.destination not in ("6", "7", ""):
            errors.append("MODE_SORTIE 8 allows DESTINATION 6/7 or empty")
        if passage.orient not in ("FUGUE", "SCAM", "PSA", "REO", ""):
            errors.append("MODE_SORTIE 8 allows ORIENT FUGUE/SCAM/PSA/REO or empty")
    if passage.mode_sortie == "9" and (passage.destination or passage.orient):
        errors.append("MODE_SORTIE 9 leaves DESTINATION and ORIENT empty")
    if passage.left_at is not None and passage.left_at < passage.entered_at:
        errors.append("SORTIE before ENTREE")
    return errors


def _element(name: str, value: str) -> str:
    return f"      <{name}>{escape(value)}</{name}>\n" if value else f"      <{name}/>\n"


def _patient_xml(p: EdPassage, local: dt.tzinfo) -> str:
    def stamp(moment: dt.datetime | None) -> str:
        return moment.astimezone(local).strftime("%d/%m/%Y %H:%M") if moment else ""

    parts = [
        _element("CP", p.postcode),
        _element("COMMUNE", p.commune),
        _element("NAISSANCE", p.birth.strftime("%d/%m/%Y") if p.birth else ""),
        _element("SEXE", p.sex),
        _element("ENTREE", stamp(p.entered_at)),
        _element("MODE_ENTREE", p.mode_entree),
        _element("PROVENANCE", p.provenance),
        _element("TRANSPORT", p.transport),
        _element("TRANSPORT_PEC", p.transport_pec),
        _element("MOTIF", p.motif),
        _element("GRAVITE", p.gravite),
        _element("DP", p.dp),
        "      <LISTE_DA>\n"
        + "".join(f"        <DA>{d}</DA>\n" for d in p.da)
        + "      </LISTE_DA>\n",
        "      <LISTE_ACTES>\n"
        + "".join(f"        <ACTE>{a}</ACTE>\n" for a in p.actes)
        + "      </LISTE_ACTES>\n",
        _element("SORTIE", stamp(p.left_at)),
        _element("MODE_SORTIE", p.mode_sortie),
        _element("DESTINATION", p.destination),
        _element("ORIENT", p.orient),
    ]
    return "    <PATIENT>\n" + "".join(parts) + "    </PATIENT>\n"


def oscour_xml(
    finess: str,
    day: dt.date,
    extracted_at: dt.datetime,
    passages: list[EdPassage],
    local: dt.tzinfo,
) -> str:
    """The OSCOUR file of one day (UTF-8), tidy form: one PASSAGES, items in spec order."""
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OSCOUR>\n  <ETABLISSEMENT>\n'
        f"    <FINESS>{finess}</FINESS>\n    <ORDRE>0</ORDRE>\n"
        f"    <EXTRACT>{extracted_at.astimezone(local).strftime('%d/%m/%Y %H:%M:%S')}</EXTRACT>\n"
        f"    <DATEDEBUT>{day.strftime('%d/%m/%Y')}</DATEDEBUT>\n"
        f"    <DATEFIN>{day.strftime('%d/%m/%Y')}</DATEFIN>\n  </ETABLISSEMENT>\n  <PASSAGES>\n"
    )
    body = "".join(_patient_xml(p, local) for p in passages)
    return header + body + "  </PASSAGES>\n</OSCOUR>\n"
