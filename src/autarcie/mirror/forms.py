"""Forms of the mirror's pages: every freeze, unfreeze and discard says why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_TOO_LONG = _("Motif trop long : 300 caractères au plus.")


def _reason(when_missing: Promise) -> forms.CharField:
    """The journaled reason every mirror action asks for, with its own French prompt."""
    messages: dict[str, Any] = {"required": when_missing, "max_length": _TOO_LONG}
    return forms.CharField(max_length=300, error_messages=messages)


class FreezeForm(forms.Form):
    reason = _reason(
        _(
            "Indiquez le motif du gel (par exemple « suspicion de compromission du SIH ») : "
            "il est inscrit au journal."
        )
    )


class UnfreezeForm(forms.Form):
    reason = _reason(
        _(
            "Indiquez le motif du dégel (par exemple « SIH restauré et vérifié ») : "
            "il est inscrit au journal."
        )
    )


class DiscardForm(forms.Form):
    reason = _reason(
        _(
            "Indiquez pourquoi ce message est écarté (par exemple « doublon ») : "
            "il est inscrit au journal."
        )
    )
