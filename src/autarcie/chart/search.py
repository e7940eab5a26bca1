"""Patient search: names (accents, case, prefix, one typo), IPP, NDA, INS, birth date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import connection

from autarcie.chart.access import is_carer, user_unit_codes
from autarcie.core.models import User
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Patient, Stay
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


MAX_CANDIDATES = 2000
_SELECT = "SELECT t.patient_id FROM mirror_patienttoken t WHERE "
_ALSO = " AND EXISTS (SELECT 1 FROM mirror_patienttoken o WHERE o.patient_id = t.patient_id AND "
_COUNT = "SELECT count(*) FROM (SELECT 1 FROM mirror_patienttoken t WHERE "
_IN_RANGE = "t.token >= %s AND t.token < %s"
_IN_LIST = "t.token IN (?)"


@dataclass(frozen=True)
class _Match:
    """The name words one query word accepts: those starting with it, or a list (typos)."""

    prefix: str = ""
    words: tuple[str, ...] = ()

    def condition(self, alias: str) -> tuple[str, list[str]]:
        if self.prefix:
            sql, params = _IN_RANGE, [self.prefix, self.prefix + "\uffff"]
        else:
            sql, params = _IN_LIST.replace("?", ", ".join(["%s"] * len(self.words))), [*self.words]
        return sql.replace("t.", alias + "."), params

    def size(self) -> int:
        """How many name tokens it accepts, counted on the index up to a bound."""
        condition, params = self.condition("t")
        with connection.cursor() as cursor:
            cursor.execute(_COUNT + condition + " LIMIT %s) AS r", [*params, MAX_CANDIDATES + 1])
            return int(cursor.fetchone()[0])


def _patients_matching(matches: list[_Match]) -> set[int]:
    """Patients with, for each query word, a name word it accepts. The rarest word drives one
    indexed look-up; each other word is checked on that patient's few words, so a common first
    name never makes the database gather its tens of thousands of patients."""
    ordered = sorted(matches, key=_Match.size) if len(matches) > 1 else matches
    sql, params = ordered[0].condition("t")
    sql = _SELECT + sql
    for match in ordered[1:]:
        condition, more = match.condition("o")
        sql += _ALSO + condition + ")"
        params += more
    with connection.cursor() as cursor:
        cursor.execute(sql + f" LIMIT {MAX_CANDIDATES}", params)
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


def _pieces(token: str) -> tuple[str, str]:
    """Two halves of ``^token``: any word within one edit of ``token`` (or starting so)
    contains one of them intact, because one edit changes at most one half."""
    marked = "^" + token
    half = len(marked) // 2
    return marked[:half], marked[half:]


def _like(piece: str) -> str:
    escaped = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if escaped.startswith("^"):
        return escaped[1:] + "%"
    return "%" + escaped + "%"


def _candidate_words(token: str) -> list[str]:
    """Words of the vocabulary holding a half of ``token``, found through the trigram index
    (a half shorter than three letters is looked for by a scan of the vocabulary)."""
    pieces = _pieces(token)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and min(map(len, pieces)) >= 3:
            match = " OR ".join('"' + p.replace('"', '""') + '"' for p in pieces)
            cursor.execute(
                "SELECT w.word FROM chart_nameword_fts f JOIN chart_nameword w ON w.id = f.rowid"
                " WHERE chart_nameword_fts MATCH %s",
                [match],
            )
        else:  # PostgreSQL: pg_trgm serves LIKE; SQLite: a short half cannot use trigrams
            cursor.execute(
                "SELECT word FROM chart_nameword WHERE word LIKE %s ESCAPE '\\'"
                " OR word LIKE %s ESCAPE '\\'",
                [_like(p) for p in pieces],
            )
        return [str(row[0]) for row in cursor.fetchall()]


def _close_words(token: str) -> list[str]:
    """Name words one typo away from ``token`` (or from its prefix), closest first."""
    if len(token) < 4:
        return []
    close = {
        word
        for word in _candidate_words(token)
        if _within_one_edit(token, word) or _within_one_edit(token, word[: len(token)])
    }
    return sorted(close, key=lambda word: (not _within_one_edit(token, word), word))[:200]


def _by_name(words: list[str], fuzzy: bool) -> set[int]:
    if not words:
        return set()
    if not fuzzy:
        return _patients_matching([_Match(prefix=word) for word in dict.fromkeys(words)])
    matches = []
    for word in dict.fromkeys(words):
        close = _close_words(word)
        if not close:
            return set()
        matches.append(_Match(words=tuple(close)))
    return _patients_matching(matches)


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


def _keep_visible(results: Results, user: User, ids: set[int]) -> None:
    """The hits ``user`` may see: in scope first; a hidden identity only to its unit."""
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


def search(user: User, query: str) -> Results:
    text = query.strip()
    results = Results(query=text, kind="name")
    if not text or not is_carer(user):
        return results
    if any(c.isdigit() for c in text):
        results.kind, ids = _identifier_ids(text)
        _keep_visible(results, user, ids)
        return results
    words = fold(text).split()
    _keep_visible(results, user, _by_name(words, fuzzy=False))
    if not results.mine and not results.others:
        # Decided on what the user may see: a hidden identity matching exactly must not
        # change the answer (no typo search, no "approximate" label) for another unit.
        _keep_visible(results, user, _by_name(words, fuzzy=True))
        results.typo_tolerant = bool(results.mine or results.others)
    return results
