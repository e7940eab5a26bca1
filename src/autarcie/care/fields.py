"""The fields of every downtime form and their checks: pure, shared by screens, demo and bench."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from autarcie.core.errors import AutarcieError

PARIS = ZoneInfo("Europe/Paris")
_CODE_SPLIT = re.compile(r"[\s,;]+")


class CareInputError(AutarcieError):
    """A form that cannot be saved; ``errors`` maps a field name to a French message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ; ".join(self.errors.values()))


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str = "text"  # text long int decimal measure choice date datetime codes
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    low: float | None = None
    high: float | None = None
    help: str = ""

    @property
    def input_type(self) -> str:
        return {"date": "date", "datetime": "datetime-local", "int": "number"}.get(
            self.type, "text"
        )


def parse_moment(value: object) -> dt.datetime:
    """A form's date and time (Paris time when naive) as an aware UTC instant."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("date et heure attendues (JJ/MM/AAAA HH:MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(dt.UTC)


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if "/" in text:
            return dt.datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 (a date)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("date attendue (JJ/MM/AAAA)") from None


def parse_decimal(text: str) -> Decimal:
    """A number typed the French way (12,5) or the other (12.5); ValueError otherwise."""
    try:
        number = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError("nombre attendu (par exemple 12,5)") from None
    if not number.is_finite():
        raise ValueError("nombre attendu (par exemple 12,5)")
    return number


# A value read from paper: maybe a comparator, a number, then maybe a unit ("<0,5", "1,2 g").
_MEASURE = re.compile(r"^([<>≤≥]=?\s*)?(-?\d+(?:[.,]\d+)?)(\s*[^\d\s.,].*)?$")


def normalise_measure(text: str) -> str:
    """A typed value with its decimal comma stored as a point (exchanged with other systems as
    such, shown back with a comma); text that is not a number ("positif") is kept as typed."""
    found = _MEASURE.match(text.strip())
    if found is None:
        return text.strip()
    comparator, number, rest = found.groups()
    return f"{comparator or ''}{number.replace(',', '.')}{rest or ''}"


def _number(field: Field, text: str) -> int | str:
    number = parse_decimal(text)
    if field.type == "int" and number != number.to_integral_value():
        raise ValueError("nombre entier attendu")
    if (field.low is not None and number < Decimal(str(field.low))) or (
        field.high is not None and number > Decimal(str(field.high))
    ):
        raise ValueError(f"valeur hors limites ({field.low:g} à {field.high:g})")
    return int(number) if field.type == "int" else str(number)


def _convert(field: Field, value: object) -> Any:
    text = "" if value is None else str(value).strip()
    if field.type in ("int", "decimal"):
        return _number(field, text)
    if field.type == "measure":
        return normalise_measure(text)
    if field.type == "choice":
        if text not in {code for code, _label in field.choices}:
            raise ValueError(f"valeur « {text} » non permise")
        return text
    if field.type == "date":
        return _parse_date(value).isoformat()
    if field.type == "datetime":
        return parse_moment(value).isoformat()
    if field.type == "codes":
        items = value if isinstance(value, list | tuple) else _CODE_SPLIT.split(text)
        return [str(i).strip().upper().replace(".", "") for i in items if str(i).strip()]
    return text


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def clean_fields(fields: tuple[Field, ...], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Converted values of ``fields`` read from ``raw``; every problem at once in the error."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        value = raw.get(field.name)
        if isinstance(value, str):
            value = value.strip()
        if _is_empty(value):
            if field.required:
                errors[field.name] = f"{field.label} : obligatoire"
            data[field.name] = [] if field.type == "codes" else ""
            continue
        try:
            data[field.name] = _convert(field, value)
        except ValueError as exc:
            errors[field.name] = f"{field.label} : {exc}"
    if errors:
        raise CareInputError(errors)
    return data


SEXES = (("F", "Féminin"), ("M", "Masculin"), ("U", "Inconnu"))
# What the admission form says about allergies. Left empty, they are "non renseignées": never
# read as "none known", which is a statement someone has to make.
ALLERGY_KNOWN, ALLERGY_NONE, ALLERGY_UNKNOWN = "known", "none", "unknown"
ALLERGY_STATES = (
    (ALLERGY_KNOWN, "Allergies connues (précisez ci-dessous)"),
    (ALLERGY_NONE, "Aucune allergie connue"),
    (ALLERGY_UNKNOWN, "Non renseignées (à rechercher)"),
)

IDENTITY_FIELDS = (
    Field("tempid", "Identifiant provisoire (étiquette du formulaire)", required=True),
    Field("birth_family", "Nom de naissance", required=True),
    Field("used_family", "Nom d'usage"),
    Field("given", "Prénom(s)", required=True),
    Field("birth_date", "Date de naissance", "date"),
    Field("sex", "Sexe", "choice", required=True, choices=SEXES),
    Field("birthplace", "Lieu de naissance (si connu)"),
    Field("allergy_status", "Allergies", "choice", choices=ALLERGY_STATES),
    Field("allergies", "Allergies connues (substances, réactions)", "long"),
)

CONSCIOUSNESS = (
    ("A", "A — éveillé"),
    ("V", "V — réagit à la voix"),
    ("P", "P — réagit à la douleur"),
    ("U", "U — ne réagit pas"),
)
VITALS_FIELDS = (
    Field("systolic", "PA systolique (mmHg)", "int", low=30, high=300),
    Field("diastolic", "PA diastolique (mmHg)", "int", low=10, high=200),
    Field("heart_rate", "Fréquence cardiaque (/min)", "int", low=10, high=300),
    Field("temperature", "Température (°C)", "decimal", low=25, high=45),
    Field("spo2", "SpO2 (%)", "int", low=40, high=100),
    Field("resp_rate", "Fréquence respiratoire (/min)", "int", low=2, high=80),
    Field("pain", "Douleur (EVA/EN 0 à 10)", "int", low=0, high=10),
    Field("consciousness", "Conscience (AVPU)", "choice", choices=CONSCIOUSNESS),
)

ADMIN_STATUSES = (("given", "Administré"), ("not_given", "Non administré"), ("delayed", "Différé"))
ADMINISTRATION_FIELDS = (
    Field("prescription", "Prescription", "choice", required=True),
    Field("status", "Statut", "choice", required=True, choices=ADMIN_STATUSES),
    Field("dose", "Dose administrée", "measure", help="par exemple 0,5 mg"),
    Field("not_given_reason", "Motif (si non administré ou différé)"),
)

ROUTES = (
    ("PO", "Voie orale"),
    ("IV", "Intraveineuse"),
    ("SC", "Sous-cutanée"),
    ("IM", "Intramusculaire"),
    ("IH", "Inhalation"),
    ("TD", "Transdermique"),
    ("AUTRE", "Autre"),
)
PRESCRIPTION_FIELDS = (
    Field("drug_label", "Médicament", required=True),
    Field("dose", "Dose", required=True),
    Field("route", "Voie", "choice", required=True, choices=ROUTES),
    Field("frequency", "Fréquence (ex. 3 fois par jour, si besoin)", required=True),
    Field("duration", "Durée"),
    Field("comment", "Commentaire", "long"),
)

NOTE_CATEGORIES = (
    ("medical", "Observation médicale"),
    ("nursing", "Transmission infirmière"),
    ("other", "Autre"),
)
NOTE_FIELDS = (
    Field("category", "Catégorie", "choice", required=True, choices=NOTE_CATEGORIES),
    Field("text", "Texte", "long", required=True),
)

FLAGS = (
    ("N", "Normal"),
    ("H", "Élevé"),
    ("L", "Bas"),
    ("HH", "Très élevé"),
    ("LL", "Très bas"),
    ("A", "Anormal"),
)
RESULT_FIELDS = (
    Field("document", "Document source (bon, compte rendu, fax…)", required=True),
    Field("lab", "Laboratoire ou service émetteur"),
    Field("test_label", "Examen", required=True),
    Field("value", "Valeur", "measure", required=True, help="par exemple 12,5"),
    Field("unit", "Unité"),
    Field("reference_range", "Valeurs de référence"),
    Field("flag", "Interprétation", "choice", choices=FLAGS),
    Field("observed_at", "Date du prélèvement", "datetime"),
)

MOVEMENT_KINDS = (
    ("admission", "Admission"),
    ("transfer", "Transfert"),
    ("leave", "Permission (absence temporaire)"),
    ("return", "Retour de permission"),
    ("discharge", "Sortie"),
)
MOVEMENT_FIELDS = (
    Field("movement", "Mouvement", "choice", required=True, choices=MOVEMENT_KINDS),
    Field("unit_code", "Unité (code UF)"),
    Field("room", "Chambre"),
    Field("bed", "Lit"),
)


def check_allergies(data: dict[str, Any]) -> None:
    """The state and the text must agree; a text alone means allergies are known."""
    status, text = data.get("allergy_status", ""), data.get("allergies", "")
    if text and status == ALLERGY_NONE:
        raise CareInputError(
            {
                "allergy_status": "Allergies : « aucune allergie connue » est choisi mais des "
                "allergies sont écrites ; choisissez « allergies connues » ou effacez le texte."
            }
        )
    if status == ALLERGY_KNOWN and not text:
        raise CareInputError({"allergies": "Allergies connues : précisez lesquelles."})
    data["allergy_status"] = ALLERGY_KNOWN if text else status or ALLERGY_UNKNOWN


def check_vitals(data: Mapping[str, Any]) -> None:
    if all(data[f.name] in ("", None) for f in VITALS_FIELDS):
        raise CareInputError({"systolic": "Saisissez au moins une constante."})


def check_administration(data: Mapping[str, Any]) -> None:
    if data["status"] != "given" and not data["not_given_reason"]:
        raise CareInputError(
            {"not_given_reason": "Motif : obligatoire quand le médicament n'est pas donné."}
        )


def check_movement(data: Mapping[str, Any]) -> None:
    if data["movement"] in ("admission", "transfer") and not data["unit_code"]:
        raise CareInputError(
            {"unit_code": "Unité : obligatoire pour une admission ou un transfert."}
        )
