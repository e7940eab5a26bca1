"""Forms of the crisis cell (French labels)."""

from __future__ import annotations

from typing import Any

from django import forms

from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.crisis.models import Category, CrisisKind, Nis2Status, Phase, Priority

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _when(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=DT_FORMATS, widget=DateTimeInput()
    )


class DeclareForm(forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200)
    kind = forms.ChoiceField(label="Nature", choices=CrisisKind.choices)
    detected = forms.CharField(
        label="Ce qui a été détecté", widget=forms.Textarea(attrs={"rows": 3})
    )
    aware_at = _when("Prise de connaissance (date et heure)")
    detected_by = forms.CharField(label="Détecté par", max_length=200)
    scope = forms.CharField(
        label="Périmètre", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_exercise = forms.BooleanField(label="Exercice", required=False)
    personal_data = forms.BooleanField(
        label="Des données personnelles sont-elles possiblement concernées ?", required=False
    )
    nis2 = forms.ChoiceField(label="Statut NIS 2 de l'établissement", choices=Nis2Status.choices)
    insured = forms.BooleanField(label="Assuré contre le risque cyber ?", required=False)
    plan_blanc = forms.BooleanField(label="Plan blanc déclenché ?", required=False)
    freeze_mirror = forms.BooleanField(label="Geler le miroir maintenant", required=False)


class LogForm(forms.Form):
    category = forms.ChoiceField(label="Catégorie", choices=Category.choices)
    text = forms.CharField(label="Texte", widget=forms.Textarea(attrs={"rows": 2}))
    fact_at = _when("Heure du fait (vide : maintenant)", required=False)


class LogFilterForm(forms.Form):
    category = forms.ChoiceField(
        label="Catégorie", choices=[("", "Toutes"), *Category.choices], required=False
    )
    q = forms.CharField(label="Texte contenant", required=False)


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label="Nouvelle phase", choices=Phase.choices)
    note = forms.CharField(label="Commentaire", required=False)


def cell_users() -> forms.ModelChoiceField[User]:
    queryset = User.objects.filter(
        grants__role__in=[Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER, Role.IT_SECURITY],
        is_active=True,
    ).distinct()
    return forms.ModelChoiceField(label="Responsable", queryset=queryset, required=False)


class TaskForm(forms.Form):
    title = forms.CharField(label="Tâche", max_length=300)
    due_at = _when("Échéance", required=False)
    priority = forms.ChoiceField(
        label="Priorité", choices=Priority.choices, initial=Priority.NORMAL
    )
    decision = forms.IntegerField(
        label="N° de la décision à l'origine", required=False, min_value=1
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = cell_users()


class SitRepForm(forms.Form):
    body = forms.CharField(label="Point de situation", widget=forms.Textarea(attrs={"rows": 18}))


class SubmitClockForm(forms.Form):
    reference = forms.CharField(label="Numéro de référence", max_length=200)
    evidence = forms.CharField(
        label="Preuve de transmission (accusé, courriel, capture…)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    submitted_at = _when("Transmise le (vide : maintenant)", required=False)


class WaiveClockForm(forms.Form):
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    file = forms.FileField(label="Fichier CSV")


class OverrideForm(forms.Form):
    wave = forms.IntegerField(label="Vague", min_value=1)
    reason = forms.CharField(label="Motif", max_length=500)


class EffortForm(forms.Form):
    item = forms.CharField(label="Élément (facultatif)", required=False, max_length=40)
    person_days = forms.DecimalField(
        label="Jours-homme", min_value=0, max_digits=8, decimal_places=2
    )
    cost_eur = forms.DecimalField(
        label="Coût (€)", min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    note = forms.CharField(label="Libellé", max_length=300)
    on_day = forms.DateField(label="Jour", widget=forms.DateInput(attrs={"type": "date"}))


class AlertForm(forms.Form):
    target = forms.ChoiceField(label="Destinataires")
    text = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 3}), max_length=600
    )
    by_sms = forms.BooleanField(label="SMS", required=False, initial=True)
    by_email = forms.BooleanField(label="Courriel", required=False, initial=True)

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]


class TemplateForm(forms.Form):
    name = forms.CharField(label="Nom", max_length=200)
    kind = forms.ChoiceField(label="Type")
    body = forms.CharField(
        label="Texte (variables : $hopital, $crise, $date…)",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from autarcie.crisis.models import TemplateKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TemplateKind.choices  # type: ignore[attr-defined]


class AckForm(forms.Form):
    answer = forms.ChoiceField(
        label="Votre réponse",
        choices=[("available", "Disponible"), ("unavailable", "Indisponible")],
        widget=forms.RadioSelect,
    )
    eta_minutes = forms.IntegerField(
        label="Arrivée dans (minutes)", required=False, min_value=0, max_value=1440
    )
