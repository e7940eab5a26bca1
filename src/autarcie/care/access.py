"""Who may record and read which downtime records: roles per kind, unit scopes.

Actions call these checks too, so a script or a future screen cannot skip them; system
actors (``system:demo``) are trusted callers and are not checked.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from autarcie.care.models import EntryKind, TempPatient
from autarcie.care.queries import Subject, subject_units
from autarcie.core.access import can_access_unit
from autarcie.core.journal import Actor
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.mirror.models import Patient

_CLERK = frozenset({Role.SECRETARY, Role.NURSE, Role.PHYSICIAN})
_CLINICIAN = frozenset({Role.NURSE, Role.PHYSICIAN})

WRITE_ROLES: dict[str, frozenset[Role]] = {
    EntryKind.IDENTITY: _CLERK,
    EntryKind.MOVEMENT: _CLERK,
    EntryKind.PASSAGE: _CLERK,
    EntryKind.VITALS: _CLINICIAN,
    EntryKind.ADMINISTRATION: _CLINICIAN,
    EntryKind.PRESCRIPTION: frozenset({Role.PHYSICIAN}),
    EntryKind.NOTE: _CLINICIAN,
    EntryKind.RESULT: _CLINICIAN | {Role.SECRETARY},
}
# A secretary reads what she records; clinicians read everything; a pharmacist no notes.
READ_ROLES: dict[str, frozenset[Role]] = WRITE_ROLES | dict.fromkeys(
    (EntryKind.PRESCRIPTION, EntryKind.NOTE), _CLINICIAN
)
PATIENT_ROLES = _CLERK
STOCK_ROLES = frozenset({Role.PHARMACIST, Role.NURSE})
BED_WRITE_ROLES = _CLINICIAN
BED_READ_ROLES = _CLINICIAN | {Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER, Role.ADMIN}


def can_write(user: User, kind: str) -> bool:
    return user.has_role(*WRITE_ROLES[kind])


def readable_kinds(user: User) -> list[str]:
    return [kind for kind, roles in READ_ROLES.items() if user.has_role(*roles)]


def check_unit(actor: Actor, unit_code: str) -> None:
    if isinstance(actor, User) and not can_access_unit(actor, unit_code):
        raise PermissionDenied


def check_write(actor: Actor, kind: str, subject: Subject | None = None) -> None:
    """Refuse a user without a role for ``kind`` or outside the subject's units."""
    if not isinstance(actor, User):
        return
    if not can_write(actor, kind):
        raise PermissionDenied
    if subject is not None and not in_scope(actor, subject):
        raise PermissionDenied


def in_scope(user: User, subject: Subject) -> bool:
    if user.all_units:
        return True
    return bool(user.unit_code_set & subject_units(subject))


def get_subject_for_user(user: User, kind: str, pk: int) -> Subject:
    """The patient ("patient") or temporary identity ("temp") if this user may see it."""
    if not user.has_role(*PATIENT_ROLES):
        raise PermissionDenied
    if kind == "temp":
        temp = TempPatient.objects.filter(pk=pk).first()
        if temp is None:
            raise Http404
        subject = Subject(temp=temp)
    elif kind == "patient":
        patient = Patient.objects.filter(pk=pk).first()
        if patient is None:
            raise Http404
        subject = Subject(patient=patient)
    else:
        raise Http404
    if not in_scope(user, subject):
        if subject.patient is not None and subject.patient.hidden:
            raise Http404  # never confirm that a hidden identity exists
        raise PermissionDenied
    return subject


def check_stock(actor: Actor, location: str) -> None:
    """Pharmacists manage every stock of their scope; nurses their own units' stock only."""
    if not isinstance(actor, User):
        return
    if not actor.has_role(*STOCK_ROLES):
        raise PermissionDenied
    if actor.has_role(Role.PHARMACIST) and (actor.all_units or location == "PUI"):
        return
    check_unit(actor, location)


def check_beds(actor: Actor, unit_code: str, *, write: bool) -> None:
    if not isinstance(actor, User):
        return
    if not actor.has_role(*(BED_WRITE_ROLES if write else BED_READ_ROLES)):
        raise PermissionDenied
    if write:
        check_unit(actor, unit_code)
