"""Forms of the security core: login, second factor, user and unit administration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from autarcie.core.models import Unit
from autarcie.core.roles import Role, UnitKind


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Identifiant"), max_length=64)
    password = forms.CharField(label=_("Mot de passe"), widget=forms.PasswordInput, strip=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres ou code de secours"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class UserScopeForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Rôles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Unités"),
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    all_units = forms.BooleanField(label=_("Toutes les unités"), required=False)


class UserCreateForm(UserScopeForm):
    username = forms.CharField(label=_("Identifiant"), max_length=64)
    full_name = forms.CharField(label=_("Nom complet"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Mot de passe (12 caractères au moins)"),
        widget=forms.PasswordInput,
        strip=False,
    )

    field_order: Any = ["username", "full_name", "password", "roles", "units", "all_units"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)  # messages in the interface's language
        return password


class UserEditForm(UserScopeForm):
    is_active = forms.BooleanField(label=_("Compte actif"), required=False)


class UnitForm(forms.Form):
    """A unit on the admin page; the code is asked only at creation (it never changes)."""

    code = forms.RegexField(
        label=_("Code de l'unité (UF)"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$",
        max_length=20,
        error_messages={
            "invalid": _(
                "Le code compte 1 à 20 lettres, chiffres, « . », « _ » ou « - », sans espace."
            )
        },
    )
    label = forms.CharField(label=_("Libellé"), max_length=120)
    kind = forms.ChoiceField(label=_("Type"), choices=UnitKind.choices)
    pole = forms.CharField(label=_("Pôle"), max_length=120, required=False)
    beds = forms.IntegerField(label=_("Nombre de lits"), min_value=0, max_value=9999, initial=0)

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        if not creating:
            del self.fields["code"]

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if Unit.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Une unité porte déjà ce code : choisissez-en un autre."))
        return code
