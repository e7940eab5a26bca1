"""A short list of common emergency "motifs de recours" with CIM-10 codes, written by us.

This is Autarcie's own selection, not the SFMU thesaurus: the thesaurus circulates without a
stated licence, so we do not ship it. The codes are plain CIM-10 codes written without the dot
as PMSI files do; a form may offer this list and still accept any CIM-10 code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Motif:
    code: str
    label: str
    group: str


def _group(group: str, *entries: tuple[str, str]) -> tuple[Motif, ...]:
    return tuple(Motif(code, label, group) for code, label in entries)


MOTIFS: tuple[Motif, ...] = (
    *_group(
        "Cardio-vasculaire et respiratoire",
        ("R074", "Douleur thoracique"),
        ("R002", "Palpitations"),
        ("I10", "Hypertension artérielle"),
        ("I469", "Arrêt cardiaque"),
        ("R060", "Dyspnée"),
        ("R05", "Toux"),
    ),
    *_group(
        "Neurologie",
        ("R51", "Céphalée"),
        ("R55", "Malaise avec perte de connaissance, syncope"),
        ("R42", "Vertiges, sensation d'instabilité"),
        ("R568", "Convulsions"),
        ("R410", "Confusion, désorientation"),
        ("R402", "Coma, trouble de la vigilance"),
    ),
    *_group(
        "Digestif et urologie",
        ("R104", "Douleur abdominale"),
        ("R11", "Nausées, vomissements"),
        ("K920", "Hématémèse"),
        ("K625", "Rectorragie"),
        ("K590", "Constipation"),
        ("N23", "Colique néphrétique"),
        ("R33", "Rétention urinaire"),
        ("R300", "Brûlures mictionnelles"),
        ("R31", "Hématurie"),
    ),
    *_group(
        "Traumatologie",
        ("S099", "Traumatisme crânien"),
        ("S134", "Entorse du rachis cervical"),
        ("S299", "Traumatisme thoracique"),
        ("S499", "Traumatisme de l'épaule ou du bras"),
        ("S699", "Traumatisme du poignet ou de la main"),
        ("S619", "Plaie du poignet ou de la main"),
        ("S799", "Traumatisme de la hanche ou de la cuisse"),
        ("S899", "Traumatisme du genou ou de la jambe"),
        ("S934", "Entorse de la cheville"),
        ("T300", "Brûlure"),
        ("R296", "Chute de la personne âgée"),
    ),
    *_group(
        "Psychiatrie et intoxications",
        ("R451", "Agitation"),
        ("F419", "Anxiété, crise d'angoisse"),
        ("R458", "Idées suicidaires"),
        ("T509", "Intoxication médicamenteuse"),
        ("F100", "Ivresse aiguë, intoxication alcoolique"),
    ),
    *_group(
        "Général, peau, ORL, ophtalmologie, gynécologie",
        ("R509", "Fièvre"),
        ("R53", "Altération de l'état général, asthénie"),
        ("E162", "Hypoglycémie"),
        ("R739", "Hyperglycémie"),
        ("T784", "Réaction allergique"),
        ("R21", "Éruption cutanée"),
        ("M545", "Lombalgie"),
        ("M796", "Douleur de membre"),
        ("R040", "Épistaxis"),
        ("J029", "Mal de gorge, pharyngite"),
        ("H920", "Otalgie"),
        ("H109", "Conjonctivite, œil rouge"),
        ("T159", "Corps étranger dans l'œil"),
        ("K088", "Douleur dentaire"),
        ("N939", "Saignement gynécologique"),
        ("O269", "Motif lié à la grossesse"),
    ),
)


def motif_choices() -> tuple[tuple[str, str], ...]:
    """(code, « libellé (code) ») pairs for a form or a printed kit."""
    return tuple((motif.code, f"{motif.label} ({motif.code})") for motif in MOTIFS)
