"""Identity reconciliation queries: candidate IPPs for a temporary identity, with scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q

from autarcie.care.models import TempPatient
from autarcie.mirror.models import Patient, PatientToken
from autarcie.mirror.normalise import fold
from autarcie.recovery.models import IdentityLink, LinkState

MIN_SCORE = 0.5


@dataclass(frozen=True)
class Candidate:
    patient: Patient
    score: float  # 0..1
    reasons: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _similar(a: str, b: str) -> float:
    a, b = fold(a), fold(b)
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _swapped(day: dt.date) -> dt.date | None:
    """Day and month swapped: the commonest slip when a birth date is written in haste."""
    return day.replace(day=day.month, month=day.day) if day.day <= 12 else None


def score(temp: TempPatient, patient: Patient) -> Candidate:
    family = max(
        _similar(temp.birth_family, patient.birth_family),
        _similar(temp.birth_family, patient.used_family),
        _similar(temp.used_family, patient.used_family or patient.birth_family),
    )
    given = _similar(temp.given.split(" ")[0], patient.given.split(" ")[0])
    reasons = [f"nom {round(family * 100)} %", f"prénom {round(given * 100)} %"]
    points = 0.45 * family + 0.25 * given
    if temp.birth_date and patient.birth_date:
        if temp.birth_date == patient.birth_date:
            points += 0.25
            reasons.append("même date de naissance")
        elif _swapped(temp.birth_date) == patient.birth_date:
            points += 0.15
            reasons.append("date de naissance : jour et mois inversés")
    if temp.sex and temp.sex == patient.sex:
        points += 0.05
        reasons.append("même sexe")
    return Candidate(patient, min(points, 1.0), tuple(reasons))


def candidates(temp: TempPatient, limit: int = 8) -> list[Candidate]:
    """Restored-index patients that may be ``temp``, best first."""
    words = fold(temp.birth_family).split() + fold(temp.used_family).split()
    tokens = Q()
    for word in words:
        tokens |= Q(token__startswith=word[:4])
    near = (
        Q(pk__in=PatientToken.objects.filter(tokens).values("patient_id")[:2000]) if words else Q()
    )
    dates = [d for d in (temp.birth_date, temp.birth_date and _swapped(temp.birth_date)) if d]
    if dates:
        near |= Q(birth_date__in=dates)
    if not near:
        return []
    pool = Patient.objects.filter(near, merged_into__isnull=True)[:1000]
    found = [c for p in pool if (c := score(temp, p)).score >= MIN_SCORE]
    return sorted(found, key=lambda c: (-c.score, c.patient.pk))[:limit]


def live_link(temp: TempPatient) -> IdentityLink | None:
    return (
        IdentityLink.objects.filter(
            temp_patient=temp, state__in=(LinkState.PROPOSED, LinkState.CONFIRMED)
        )
        .select_related("patient", "proposed_by", "confirmed_by")
        .first()
    )


def unreconciled() -> list[TempPatient]:
    """Temporary identities without a confirmed decision, oldest first."""
    confirmed = IdentityLink.objects.filter(state=LinkState.CONFIRMED).values("temp_patient_id")
    return list(TempPatient.objects.exclude(pk__in=confirmed).order_by("created_at", "pk"))
