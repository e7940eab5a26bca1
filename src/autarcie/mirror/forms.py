"""Forms of the mirror's pages: every freeze, unfreeze and discard says why."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

_TOO_LONG = _("Motif trop long : 300 caractères au plus.")


class FreezeForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        error_messages={
            "required": _(
                "Indiquez le motif du gel (par exemple « suspicion de compromission du SIH ») : "
                "il est inscrit au journal."
            ),
            "max_length": _TOO_LONG,
        },
    )


class UnfreezeForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        error_messages={
            "required": _(
                "Indiquez le motif du dégel (par exemple « SIH restauré et vérifié ») : "
                "il est inscrit au journal."
            ),
            "max_length": _TOO_LONG,
        },
    )


class DiscardForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        error_messages={
            "required": _(
                "Indiquez pourquoi ce message est écarté (par exemple « doublon ») : "
                "il est inscrit au journal."
            ),
            "max_length": _TOO_LONG,
        },
    )
