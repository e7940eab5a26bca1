"""Code systems: HL7 v2 coding-system names (CE/CWE-3) as FHIR system URIs, and UCUM units.

A code means nothing without its system: ``2345-7`` is glucose in LOINC and anything at all in
a laboratory's local table. Both feeds are stored with the FHIR URI when the system is known,
so an HL7 ``LN`` and a FHIR ``http://loinc.org`` land on the same value; a local name with no
URI is kept as sent (it still tells two local tables apart), and never passed off as a FHIR
system.
"""

from __future__ import annotations

import re

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
CIM10 = "https://smt.esante.gouv.fr/terminologie-cim-10"
ATC = "http://www.whocc.no/atc"
CIP = "https://smt.esante.gouv.fr/terminologie-bdpm"
UCD = "https://smt.esante.gouv.fr/terminologie-cip_ucd"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

# HL7 table 0396 names (and the spellings French senders use) -> FHIR system URI.
HL7_SYSTEMS: dict[str, str] = {
    "LN": LOINC,
    "LOINC": LOINC,
    "SCT": SNOMED,
    "SNOMED": SNOMED,
    "SNOMEDCT": SNOMED,
    "SNM": "http://snomed.info/snm",
    "I10": ICD10,
    "ICD10": ICD10,
    "I10C": "http://hl7.org/fhir/sid/icd-10-cm",
    "I10P": "http://www.cms.gov/Medicare/Coding/ICD10",
    "CIM10": CIM10,
    "CIM-10": CIM10,
    "I9": "http://hl7.org/fhir/sid/icd-9-cm",
    "I9C": "http://hl7.org/fhir/sid/icd-9-cm",
    "I9M": "http://hl7.org/fhir/sid/icd-9-cm",
    "ATC": ATC,
    "WC": ATC,
    "CIP": CIP,
    "CIP13": CIP,
    "UCD": UCD,
    "UCD13": UCD,
    "RXNORM": RXNORM,
    "RXN": RXNORM,
    "UCUM": UCUM,
    "NDC": "http://hl7.org/fhir/sid/ndc",
    "CVX": "http://hl7.org/fhir/sid/cvx",
    "DCM": "http://dicom.nema.org/resources/ontology/DCM",
    "CCAM": "https://smt.esante.gouv.fr/terminologie-ccam",
}
# The OIDs of the same systems, when a sender gives the OID (CWE-14, or an OID in CWE-3).
OID_SYSTEMS: dict[str, str] = {
    "2.16.840.1.113883.6.1": LOINC,
    "2.16.840.1.113883.6.96": SNOMED,
    "2.16.840.1.113883.6.3": ICD10,
    "2.16.840.1.113883.6.73": ATC,
    "2.16.840.1.113883.6.88": RXNORM,
    "2.16.840.1.113883.6.8": UCUM,
    "1.2.250.1.213.2.12": CIM10,
}
_HL7_TABLE = re.compile(r"^HL7(\d{4})$")
_OID = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")
_URI = ("http://", "https://", "urn:")


def system_uri(name: str, oid: str = "") -> str:
    """The FHIR system of a coding system as sent (name, OID or URI); "" when unknown."""
    for given in (oid.strip(), name.strip()):
        if not given:
            continue
        if given.startswith(_URI):
            return OID_SYSTEMS.get(given.removeprefix("urn:oid:"), given)
        if _OID.match(given):
            return OID_SYSTEMS.get(given, f"urn:oid:{given}")
        known = HL7_SYSTEMS.get(given.upper())
        if known:
            return known
        table = _HL7_TABLE.match(given.upper())
        if table:
            return f"http://terminology.hl7.org/CodeSystem/v2-{table.group(1)}"
    return ""


def stored_system(name: str, oid: str = "") -> str:
    """What the store keeps: the FHIR URI when known, else the local name as sent."""
    return system_uri(name, oid) or name.strip()


def aliases(system: str) -> set[str]:
    """Every stored spelling that means ``system`` (a URI, or a local name as sent)."""
    uri = system_uri(system) or system
    found = {system, uri}
    found.update(name for name, known in HL7_SYSTEMS.items() if known == uri)
    found.update(oid for oid, known in OID_SYSTEMS.items() if known == uri)
    return found


# UCUM: a unit is UCUM when its sender says so (OBX-6.3 "UCUM") or when it parses as UCUM.
_PREFIXES = "YZEPTGMkhdcmunpfazy"
_ATOMS = frozenset(
    {
        "g", "L", "l", "m", "s", "mol", "eq", "U", "Cel", "K", "h", "min", "d", "wk", "mo",
        "a", "Pa", "bar", "J", "cal", "W", "V", "A", "Ohm", "Hz", "kat", "osm", "%", "1",
        "[iU]", "[IU]", "mm[Hg]", "cm[H2O]", "[pH]", "[degF]", "[in_i]", "[lb_av]", "[drp]",
        "[HPF]", "[LPF]", "[arb'U]", "[ppm]", "[ppb]", "t", "u", "Bq", "Gy", "Sv", "N",
    }
)  # fmt: skip
_FACTOR = re.compile(r"^10[*^][+-]?\d+$")
_ANNOTATION = re.compile(r"\{[^{}]*\}")
_TERM = re.compile(r"^(?P<atom>.+?)(?P<exp>[+-]?\d+)?$")


def _is_atom(text: str) -> bool:
    if text in _ATOMS or _FACTOR.match(text) or text.isdigit():
        return True
    # "da" (deka), the one two-letter prefix, is left out: no clinical unit uses it.
    return len(text) > 1 and text[0] in _PREFIXES and text[1:] in _ATOMS


def _is_term(term: str) -> bool:
    if _is_atom(term):
        return True
    found = _TERM.match(term)
    return bool(found and found.group("exp") and _is_atom(found.group("atom")))


def is_ucum(code: str, system: str = "") -> bool:
    """Whether a unit code is UCUM: said so by its system, or a valid UCUM expression."""
    if system_uri(system) == UCUM:
        return bool(code.strip())
    if system.strip():
        return False  # another named system: its codes are not ours to reinterpret
    # An annotation stands for unity: "{ratio}", "{beats}/min", "mL/min/{1.73_m2}".
    bare = _ANNOTATION.sub("1", code.strip()).removeprefix("/")
    if not bare:
        return False
    terms = re.split(r"[./]", bare)
    return all(term and _is_term(term) for term in terms)
