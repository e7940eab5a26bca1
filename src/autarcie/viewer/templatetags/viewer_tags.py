"""French labels for codes the screens show."""

from __future__ import annotations

from django import template

register = template.Library()

_MOVEMENTS = {
    "pre_admission": "pré-admission",
    "admission": "admission",
    "outpatient_admission": "admission externe / urgences",
    "to_inpatient": "passage en hospitalisation",
    "to_outpatient": "passage en externe",
    "attending_change": "changement de médecin",
    "transfer": "mutation / transfert",
    "leave": "départ en permission",
    "leave_return": "retour de permission",
    "discharge": "sortie",
    "census": "présent au recensement (CSV)",
    "census_leave": "en permission au recensement (CSV)",
}


@register.filter
def movement_label(kind: str) -> str:
    return _MOVEMENTS.get(kind, kind)
