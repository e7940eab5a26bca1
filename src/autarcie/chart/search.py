"""Patient search: names (accents, case, prefix, one typo), IPP, NDA, INS, birth date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import connection

from autarcie.chart.access import is_carer, user_unit_codes
from autarcie.core.models import User
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Patient, PatientToken, Stay
from autarcie.mirror.normalise import fold

LIMIT = 50
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_INS = re.compile(r"^\d{13}(\d{2})?$")


@dataclass(frozen=True)
class Hit:
    patient: Patient
    in_scope: bool
    units: tuple[str, ...]


@dataclass
class Results:
    query: str
    kind: str
    mine: list[Hit] = field(default_factory=list)
    others: list[Hit] = field(default_factory=list)
    typo_tolerant: bool = False

    @property
    def patient_ids(self) -> list[int]:
        return [h.patient.pk for h in self.mine + self.others]


_RANGE = "SELECT patient_id FROM mirror_patienttoken WHERE token >= %s AND token < %s"
MAX_CANDIDATES = 2000


def _prefix_ids(words: list[str]) -> set[int]:
    """Patients with a name word starting with each query word: one indexed range per word,
    intersected in SQL so a common first name does not flood Python."""
    sql = " INTERSECT ".join([_RANGE] * len(words)) + f" LIMIT {MAX_CANDIDATES}"
    params: list[str] = []
    for word in words:
        params += [word, word + "\uffff"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]) for row in cursor.fetchall()}


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, without building the matrix."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] != b[j]:
            edits += 1
            if edits > 1:
                return False
            if len(a) == len(b):
                i += 1
            j += 1
        else:
            i += 1
            j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def _fuzzy_ids(token: str) -> set[int]:
    """Patients with a name word one typo away from ``token`` (or from its prefix)."""
    if len(token) < 4:
        return set()
    candidates = (
        PatientToken.objects.filter(token__gte=token[0], token__lt=token[0] + "\uffff")
        .values_list("token", flat=True)
        .distinct()
    )
    close = [
        c
        for c in candidates
        if _within_one_edit(token, c) or _within_one_edit(token, c[: len(token)])
    ]
    return set(
        PatientToken.objects.filter(token__in=close[:200]).values_list("patient_id", flat=True)
    )


def _by_name(words: list[str], fuzzy: bool) -> set[int]:
    if not words:
        return set()
    if not fuzzy:
        return _prefix_ids(words)
    found: set[int] | None = None
    for word in words:
        ids = _fuzzy_ids(word)
        found = ids if found is None else found & ids
        if not found:
            return set()
    return found or set()


def _identifier_ids(text: str) -> tuple[str, set[int]]:
    compact = text.replace(" ", "")
    date = _DATE.match(compact)
    if date:
        day, month, year = (int(g) for g in date.groups())
        try:
            birth = dt.date(year, month, day)
        except ValueError:
            return "date", set()
        return "date", set(Patient.objects.filter(birth_date=birth).values_list("pk", flat=True))
    ids = set(Patient.objects.filter(ipp=compact).values_list("pk", flat=True))
    ids |= set(Stay.objects.filter(nda=compact).values_list("patient_id", flat=True))
    if _INS.match(compact):
        # Only a qualified identity is found by its INS (DESIGN.md).
        ids |= set(
            Patient.objects.filter(ins=compact[:15], ins_trusted=True).values_list("pk", flat=True)
        )
    return "identifier", ids


def _units_of(ids: list[int]) -> dict[int, tuple[str, ...]]:
    units: dict[int, list[str]] = {}
    for pid, code in Stay.objects.filter(patient_id__in=ids, status__in=PRESENT).values_list(
        "patient_id", "unit_code"
    ):
        units.setdefault(pid, []).append(code)
    return {pid: tuple(sorted(codes)) for pid, codes in units.items()}


def search(user: User, query: str) -> Results:
    text = query.strip()
    results = Results(query=text, kind="name")
    if not text or not is_carer(user):
        return results
    if any(c.isdigit() for c in text):
        results.kind, ids = _identifier_ids(text)
    else:
        words = fold(text).split()
        ids = _by_name(words, fuzzy=False)
        if not ids:
            ids = _by_name(words, fuzzy=True)
            results.typo_tolerant = bool(ids)
    patients = Patient.objects.filter(pk__in=list(ids)[:2000], merged_into__isnull=True)
    patients = patients.order_by("birth_family", "given")[: LIMIT * 4]
    units = _units_of([p.pk for p in patients])
    codes = user_unit_codes(user)
    for patient in patients:
        mine = codes is None or bool(codes.intersection(units.get(patient.pk, ())))
        if patient.hidden and not mine:
            continue  # a hidden identity never appears in others' results
        hit = Hit(patient, mine, units.get(patient.pk, ()))
        (results.mine if mine else results.others).append(hit)
    results.mine, results.others = results.mine[:LIMIT], results.others[:LIMIT]
    return results
