"""Forms of the security core: login, second factor, user administration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from autarcie.core.models import Unit
from autarcie.core.roles import Role


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
