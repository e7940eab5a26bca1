"""Patient search: names (accents, case, prefix, one typo), IPP, NDA, INS, birth date."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable
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
    # More patients match than the page shows: the user should narrow the search.
    limited: bool = False

    @property
    def patient_ids(self) -> list[int]:
        return [h.patient.pk for h in self.mine + self.others]


# Name matches gathered outside the user's units: one more than a page shows, so that the
# page can say more patients match (a common name matches tens of thousands of them).
CAP = LIMIT + 1
# The most name matches ever looked at, when merged or hidden identities fill the first ones.
MAX_LOOKED = 2000
# A word's name tokens are counted up to this bound only: past it, every word of the query is
# common enough that driving the look-up from any of them finds CAP matches quickly.
COUNT_BOUND = 20_000
# The first round counts up to this bound, each next one eight times further.
FIRST_BOUND = 512
# A query word accepting at most this many name words is checked word by word.
FEW_WORDS = 16
# Counts of common words (at least FIRST_BOUND tokens) kept in this process, and how long.
COUNT_TTL = 600.0
COUNTS_KEPT = 10_000
_IN_RANGE = "{a}.token >= %s AND {a}.token < %s"
_ALSO = " AND EXISTS (SELECT 1 FROM mirror_patienttoken {a} WHERE {a}.patient_id = {p} AND "
_ALSO_WORDS = (
    " AND EXISTS (SELECT 1 FROM mirror_patienttoken o{hint} WHERE o.token IN ({marks})"
    " AND o.patient_id = {p}{fence})"
)
_VOCABULARY = (
    "SELECT word FROM chart_nameword WHERE word >= %s AND word < %s ORDER BY word LIMIT %s"
)
_DRIVEN = "SELECT t.patient_id FROM mirror_patienttoken t WHERE "
_COUNT = "SELECT count(*) FROM (SELECT 1 FROM mirror_patienttoken t WHERE {c} LIMIT %s) AS r"
_IN_UNITS = (
    "SELECT DISTINCT s.patient_id FROM mirror_stay s"
    " WHERE s.unit_code IN ({units}) AND s.status IN ({statuses})"
)


@dataclass(frozen=True)
class _Match:
    """The name words one query word accepts: those starting with it, or a list (typos)."""

    prefix: str = ""
    words: tuple[str, ...] = ()
    # The words it accepts when there are at most FEW_WORDS of them, else None.
    few: tuple[str, ...] | None = None
    # The prefix is itself a name word (only said when there are many words).
    is_word: bool = False

    def condition(self, alias: str) -> tuple[str, list[str]]:
        if self.prefix:
            return _IN_RANGE.format(a=alias), [self.prefix, self.prefix + "\uffff"]
        marks = ", ".join(["%s"] * len(self.words))
        return f"{alias}.token IN ({marks})", [*self.words]

    @classmethod
    def starting(cls, prefix: str) -> _Match:
        """The words starting with ``prefix``; ``few`` looked up in the vocabulary of name
        words (which holds every word ever written to the tokens)."""
        with connection.cursor() as cursor:
            cursor.execute(_VOCABULARY, [prefix, prefix + "\uffff", FEW_WORDS + 1])
            words = tuple(str(row[0]) for row in cursor.fetchall())
        if len(words) > FEW_WORDS:
            return cls(prefix=prefix, is_word=prefix in words)  # sorted: it would come first
        return cls(prefix=prefix, few=words)

    def narrowed(self) -> _Match:
        """Only the typed word itself, when it is a name word among many starting with it."""
        return _Match.among((self.prefix,)) if self.is_word else self

    @classmethod
    def among(cls, words: tuple[str, ...]) -> _Match:
        return cls(words=words, few=words if len(words) <= FEW_WORDS else None)

    def size(self, bound: int) -> int:
        """How many name tokens it accepts, counted on the index up to ``bound``."""
        condition, params = self.condition("t")
        with connection.cursor() as cursor:
            cursor.execute(_COUNT.format(c=condition), [*params, bound])
            return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class _Count:
    """A word's token count as last measured: exact, or at least ``value``."""

    value: int
    exact: bool
    at: float


_COUNTS: dict[str, _Count] = {}


def _size(match: _Match, bound: int) -> int:
    """``match.size(bound)``, remembered a while for words common enough to cost a count:
    the same first names and common family names come back all day, and a stale count only
    changes which word drives the look-up, never the answer."""
    known = _COUNTS.get(match.prefix) if match.prefix else None
    if known and time.monotonic() - known.at < COUNT_TTL and (known.exact or known.value >= bound):
        return min(known.value, bound)
    size = match.size(bound)
    if match.prefix and size >= FIRST_BOUND:
        if len(_COUNTS) >= COUNTS_KEPT:
            _COUNTS.clear()
        _COUNTS[match.prefix] = _Count(size, size < bound, time.monotonic())
    return size


def _rarest_first(matches: list[_Match]) -> list[_Match]:
    """The query words, the one accepting the fewest name tokens first. They are counted in
    rounds of growing bounds, so the cost is that of counting the rarest word a few times;
    within a round, a word is counted only up to the smallest count so far (one reaching it
    is not the rarer)."""
    if len(matches) == 1:
        return matches
    bound = FIRST_BOUND
    while True:
        sizes: list[int] = []
        for match in matches:
            sizes.append(_size(match, min([bound, *sizes])))
        if min(sizes) < bound or bound >= COUNT_BOUND:
            break
        bound = min(bound * 8, COUNT_BOUND)
    order = sorted(range(len(matches)), key=sizes.__getitem__)
    return [matches[i] for i in order]


def _also(matches: list[_Match], patient: str) -> tuple[str, list[str]]:
    """``EXISTS`` conditions: the patient in column ``patient`` has a word each match accepts.
    When the match accepts few words, each is looked up with the patient in the
    ``(token, patient_id)`` index: the probes of one query then stay within that word's own
    index pages, which the first probes bring into the page cache. Otherwise the patient's
    own tokens are read from the ``(patient_id, token)`` index: a page anywhere in it for each
    patient (on SQLCipher, one page read and decrypted per patient)."""
    # PostgreSQL would turn EXISTS into a hash join that reads every patient of the common
    # word before the first row; OFFSET 0 keeps it a look-up per patient (SQLite does that).
    # SQLite would pick the (patient_id, token) index, one random page per patient.
    sqlite = connection.vendor == "sqlite"
    fence = "" if sqlite else " OFFSET 0"
    hint = " INDEXED BY chart_search_token_patient" if sqlite else ""
    sql, params = "", []
    for match in matches:
        words = match.few
        if words is None:
            condition, more = match.condition("o")
            sql += _ALSO.format(a="o", p=patient) + condition + fence + ")"
        else:
            marks = ", ".join(["%s"] * len(words))
            sql += _ALSO_WORDS.format(hint=hint, marks=marks, p=patient, fence=fence)
            more = [*words]
        params += more
    return sql, params


def _patients_matching(matches: list[_Match], limit: int) -> tuple[list[int], bool]:
    """Up to ``limit`` patients with, for each query word, a name word it accepts, and whether
    the look-up stopped at ``limit``. The rarest word drives one indexed look-up; each other
    word is checked on that patient's own tokens, so a common first name never makes the
    database gather its tens of thousands of patients.

    A word that many name words start with ("paul": "paula", "paulin"...) is costly to check
    on each patient; when it is a name word itself, the look-up is first tried with that word
    alone: any ``limit`` matches will do when there are more, and only fewer need the rest."""
    driver, *others = _rarest_first(matches)
    narrowed = [match.narrowed() for match in others]
    if narrowed != others:
        found, capped = _driven(driver, narrowed, limit)
        if capped:
            return found, capped
    return _driven(driver, others, limit)


def _driven(driver: _Match, others: list[_Match], limit: int) -> tuple[list[int], bool]:
    """Not ``DISTINCT``: PostgreSQL would then gather every match to sort them (a patient
    with two words in the driver's range comes twice, which costs a place, not an answer)."""
    sql, params = driver.condition("t")
    also, more = _also(others, "t.patient_id")
    with connection.cursor() as cursor:
        cursor.execute(_DRIVEN + sql + also + " LIMIT %s", [*params, *more, limit])
        rows = cursor.fetchall()
    return list(dict.fromkeys(int(row[0]) for row in rows)), len(rows) >= limit


def _in_units_matching(matches: list[_Match], codes: set[str], limit: int) -> list[int]:
    """Up to ``limit`` patients present in the units ``codes`` whose names match: found from the
    units' stays, so that the user's own patients come first however common their name."""
    if not codes:
        return []
    units, statuses = sorted(codes), list(PRESENT)
    sql = _IN_UNITS.format(
        units=", ".join(["%s"] * len(units)), statuses=", ".join(["%s"] * len(statuses))
    )
    also, more = _also(matches, "s.patient_id")
    with connection.cursor() as cursor:
        cursor.execute(sql + also + " LIMIT %s", [*units, *statuses, *more, limit])
        return [int(row[0]) for row in cursor.fetchall()]


@dataclass(frozen=True)
class _Found:
    """Patients whose names match, the user's units' first; ``capped``: the look-up stopped
    before it had them all."""

    ids: list[int]
    capped: bool


def _matching(matches: list[_Match], codes: set[str] | None, limit: int) -> _Found:
    mine = [] if codes is None else _in_units_matching(matches, codes, limit)
    found, capped = _patients_matching(matches, limit + len(mine))
    seen = set(mine)
    others = [pid for pid in found if pid not in seen]
    return _Found(mine + others, capped or len(mine) >= limit)


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


def _name_matches(words: list[str], fuzzy: bool) -> list[_Match]:
    """One match per query word: its prefix, or the words one typo away (none: no match)."""
    if not fuzzy:
        matches = [_Match.starting(word) for word in dict.fromkeys(words)]
        # A word no name starts with: nothing matches, and no query needs to say so.
        return [] if any(match.few == () for match in matches) else matches
    matches = []
    for word in dict.fromkeys(words):
        close = _close_words(word)
        if not close:
            return []
        matches.append(_Match.among(tuple(close)))
    return matches


def _by_name(results: Results, codes: set[str] | None, words: list[str], fuzzy: bool) -> None:
    """Fill ``results`` with the patients whose names match. The look-up stops after one
    more match than a page shows, looking further only when merged or hidden identities took
    some of those places, so that ``results.limited`` is only said of visible patients."""
    matches = _name_matches(words, fuzzy) if words else []
    if not matches:
        return
    limit = CAP
    while True:
        found = _matching(matches, codes, limit)
        mine, others = _visible(found.ids, codes, len(found.ids))
        if not found.capped or len(mine) >= CAP or len(others) >= CAP or limit >= MAX_LOOKED:
            break
        limit = min(limit * 4, MAX_LOOKED)
    _fill(results, mine, others)


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


def _visible(ids: Iterable[int], codes: set[str] | None, most: int) -> tuple[list[Hit], list[Hit]]:
    """The first ``most`` of the patients ``ids`` by name, as a user of units ``codes`` (None:
    all) may see them: in scope, then the others; a hidden identity only to its unit."""
    patients = Patient.objects.filter(pk__in=list(ids)[:MAX_LOOKED], merged_into__isnull=True)
    patients = patients.order_by("birth_family", "given")[:most]
    units = _units_of([p.pk for p in patients])
    mine: list[Hit] = []
    others: list[Hit] = []
    for patient in patients:
        in_scope = codes is None or bool(codes.intersection(units.get(patient.pk, ())))
        if patient.hidden and not in_scope:
            continue  # a hidden identity never appears in others' results
        hit = Hit(patient, in_scope, units.get(patient.pk, ()))
        (mine if in_scope else others).append(hit)
    return mine, others


def _fill(results: Results, mine: list[Hit], others: list[Hit]) -> None:
    results.mine, results.others = mine[:LIMIT], others[:LIMIT]
    results.limited = len(mine) > LIMIT or len(others) > LIMIT


def search(user: User, query: str) -> Results:
    text = query.strip()
    results = Results(query=text, kind="name")
    if not text or not is_carer(user):
        return results
    codes = user_unit_codes(user)
    if any(c.isdigit() for c in text):
        results.kind, ids = _identifier_ids(text)
        _fill(results, *_visible(ids, codes, LIMIT * 4))
        return results
    words = fold(text).split()
    _by_name(results, codes, words, fuzzy=False)
    if not results.mine and not results.others:
        # Decided on what the user may see: a hidden identity matching exactly must not
        # change the answer (no typo search, no "approximate" label) for another unit.
        _by_name(results, codes, words, fuzzy=True)
        results.typo_tolerant = bool(results.mine or results.others)
    return results
