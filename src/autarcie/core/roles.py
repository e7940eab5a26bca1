"""Roles and the unit kinds: the vocabulary of least privilege."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PHYSICIAN = "physician", _("Médecin")
    NURSE = "nurse", _("Infirmier·e")
    SECRETARY = "secretary", _("Secrétariat / admissions")
    PHARMACIST = "pharmacist", _("Pharmacien·ne")
    CRISIS_DIRECTOR = "crisis_director", _("Directeur·rice de crise")
    CRISIS_MEMBER = "crisis_member", _("Membre de la cellule de crise")
    IT_SECURITY = "it_security", _("Informatique / sécurité")
    AUDITOR = "auditor", _("Auditeur·rice")
    ADMIN = "admin", _("Administrateur·rice")


# A stolen password alone must not open these roles.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.IT_SECURITY, Role.CRISIS_DIRECTOR})

# Roles that care for patients and so see patient records of their units.
CARE_ROLES = frozenset({Role.PHYSICIAN, Role.NURSE, Role.SECRETARY, Role.PHARMACIST})

# Roles that look after the feeds: their health, the freeze, held input and quarantine.
FEED_ROLES = frozenset({Role.IT_SECURITY, Role.ADMIN})

# A feed message's raw bytes carry identities and results. Among the feed roles only IT/security,
# who repairs the feeds, may read them (each read journaled); the admin sees the reason alone.
RAW_INPUT_ROLES = frozenset({Role.IT_SECURITY})


class UnitKind(models.TextChoices):
    EMERGENCY = "emergency", _("Urgences")
    ICU = "icu", _("Réanimation / soins critiques")
    CONTINUING_CARE = "continuing_care", _("Surveillance continue")
    MEDICINE = "medicine", _("Médecine")
    SURGERY = "surgery", _("Chirurgie")
    MATERNITY = "maternity", _("Maternité")
    PAEDIATRICS = "paediatrics", _("Pédiatrie")
    GERIATRICS = "geriatrics", _("Gériatrie")
    PSYCHIATRY = "psychiatry", _("Psychiatrie")
    OTHER = "other", _("Autre")
