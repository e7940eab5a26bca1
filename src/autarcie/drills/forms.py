"""Forms of the after-action work: lessons learned."""

from __future__ import annotations

from django import forms

from autarcie.drills.models import LessonStatus


class LessonForm(forms.Form):
    happened = forms.CharField(label="Ce qui s'est passé", widget=forms.Textarea(attrs={"rows": 2}))
    lesson = forms.CharField(label="Enseignement", widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(
        label="Action décidée", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.CharField(label="Responsable", max_length=200, required=False)
    due_on = forms.DateField(
        label="Échéance",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label="Statut", choices=LessonStatus.choices)
