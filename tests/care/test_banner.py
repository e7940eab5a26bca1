"""The patient banner: on every screen about one patient, who, where, allergies and freshness."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from autarcie.care import actions
from autarcie.care.models import CareEntry, EntryKind, TempPatient
from autarcie.care.queries import Subject
from autarcie.kits.builder import build_unit
from autarcie.mirror.models import Allergy, Patient, Prescription
from tests.care.conftest import CareWard
from tests.factories import PASSWORD
from tests.kits.conftest import pdf_text

BANNER = 'class="identity patient-banner"'
WRITABLE = [k for k in EntryKind.values if k != EntryKind.IDENTITY]


@pytest.fixture
def kits_dir(tmp_path: Path, settings: object) -> Path:
    folder = tmp_path / "kits"
    settings.KITS_DIR = folder  # type: ignore[attr-defined]
    return folder


def _client(username: str) -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _years_on_today(birth: dt.date) -> int:
    today = dt.datetime.now(tz=ZoneInfo("Europe/Paris")).date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _allergic(patient: Patient, label: str = "Pénicilline") -> None:
    Allergy.objects.create(
        rkey=f"a-{patient.pk}", patient=patient, version=1, received_at=patient.received_at,
        label=label, severity="sévère", reaction="urticaire",
    )  # fmt: skip


def _pages(care: CareWard, kind: str, pk: int) -> dict[str, str]:
    """Every patient-context page of the care screens (and the summary for a mirror patient)."""
    urls = {"record": reverse("care:subject", args=[kind, pk])}
    for entry_kind in WRITABLE:
        urls[entry_kind] = reverse("care:record", args=[kind, pk, entry_kind])
    if kind == "patient":
        urls["summary"] = reverse("viewer:patient", args=[pk])
    return urls


def test_every_page_about_a_mirror_patient_shows_the_whole_banner(care_live: CareWard) -> None:
    lefevre = care_live.ward.lefevre
    _allergic(lefevre)
    note = actions.record_entry(
        actor=care_live.physician,
        subject=Subject(patient=lefevre),
        kind=EntryKind.NOTE,
        data={"category": "nursing", "text": "nuit calme"},
    )
    client = _client("dr.cardio")
    urls = _pages(care_live, "patient", lefevre.pk)
    urls["correct"] = reverse("care:correct", args=[note.pk])
    years = _years_on_today(dt.date(1950, 3, 12))
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert page.count(BANNER) == 1, name
        for expected in (
            "LEFÈVRE MARIE",
            "féminin",
            f"12/03/1950 ({years} ans)",
            "IPP P1",
            "NDA N1",
            "Unité 2010 · chambre 12 · lit 1",
            "<strong>Pénicilline — sévère — urticaire</strong>",
            "provisoire — INS non utilisable",
            "Données arrêtées au ",
        ):
            assert expected in page, (name, expected)


def test_a_temporary_identity_is_marked_and_shows_the_allergies_typed_at_admission(
    care_live: CareWard,
) -> None:
    client = _client("dr.cardio")
    tempid = care_live.tempids[0]
    response = client.post(
        reverse("care:admit", args=["2010"]),
        {
            "tempid": tempid,
            "birth_family": "NOUVEAU",
            "given": "Jules",
            "birth_date": "1980-05-04",
            "sex": "M",
            "allergy_status": "known",
            "allergies": "Iode (choc)\nLatex",
            "room": "14",
            "bed": "2",
        },
    )
    assert response.status_code == 302
    temp = TempPatient.objects.get()
    for name, url in _pages(care_live, "temp", temp.pk).items():
        page = client.get(url).content.decode()
        assert page.count(BANNER) == 1, name
        for expected in (
            "NOUVEAU Jules",
            f"04/05/1980 ({_years_on_today(dt.date(1980, 5, 4))} ans)",
            f"<strong>Identifiant provisoire {tempid}</strong>",
            "identité provisoire (mode dégradé)",
            "Unité 2010 · chambre 14 · lit 2",
            "<strong>Iode (choc)</strong> ; <strong>Latex</strong>",
            "Données arrêtées au ",
        ):
            assert expected in page, (name, expected)
    census = client.get(reverse("viewer:census", args=["2010"])).content.decode()
    row = next(r for r in census.split("<tr") if tempid in r)
    assert '<span class="badge allergy">ALLERGIE</span>' in row


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"allergy_status": "none"}, "ALLERGIES :</strong> aucune allergie connue"),
        ({}, "ALLERGIES :</strong> non renseignées — à rechercher"),
    ],
)
def test_no_allergy_and_allergies_not_asked_read_differently(
    care_live: CareWard, fields: dict[str, str], said: str
) -> None:
    client = _client("secr.cardio")
    identity = {"tempid": care_live.tempids[1], "birth_family": "NOUVEAU", "given": "Jules"}
    response = client.post(reverse("care:admit", args=["2010"]), {**identity, "sex": "M", **fields})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).content.decode()
    assert said in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"allergy_status": "known"}, "allergies", "Allergies connues : précisez lesquelles."),
        (
            {"allergy_status": "none", "allergies": "Latex"},
            "allergy_status",
            "« aucune allergie connue » est choisi mais des allergies sont écrites",
        ),
    ],
)
def test_allergies_that_contradict_themselves_are_refused_and_kept(
    care_live: CareWard, fields: dict[str, str], field: str, message: str
) -> None:
    client = _client("secr.cardio")
    identity = {"tempid": care_live.tempids[1], "birth_family": "NOUVEAU", "given": "Jules"}
    response = client.post(reverse("care:admit", args=["2010"]), {**identity, "sex": "M", **fields})
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and 'value="NOUVEAU"' in page
    if fields.get("allergies"):
        assert ">Latex</textarea>" in page
    assert not TempPatient.objects.exists()


def test_the_kit_prints_the_allergies_of_a_temporary_patient(
    care_live: CareWard, kits_dir: Path
) -> None:
    actions.admit_temporary(
        actor=care_live.secretary,
        identity={
            "tempid": care_live.tempids[2],
            "birth_family": "NOUVEAU",
            "given": "Jules",
            "sex": "M",
            "allergies": "Iode",
        },
        unit_code="2010",
        room="14",
        bed="2",
    )
    build = build_unit(care_live.ward.cardio, actor="system:test", out_dir=kits_dir)
    main = pdf_text(Path(build.folder) / build.file_names()[0])
    sheet = next(
        page for page in main.split("\f") if "NOUVEAU Jules" in page and "Synthèse" in page
    )
    assert "ALLERGIES : Iode" in sheet.replace("\u202f", " ")


def test_the_summary_leads_to_recording_care_and_back(care_live: CareWard) -> None:
    lefevre = care_live.ward.lefevre
    record = reverse("care:subject", args=["patient", lefevre.pk])
    summary = reverse("viewer:patient", args=[lefevre.pk])
    nurse = _client("ide.cardio")
    assert f'href="{record}">Enregistrer un soin</a>' in nurse.get(summary).content.decode()
    assert f'href="{summary}">← Synthèse du dossier</a>' in nurse.get(record).content.decode()
    form = reverse("care:record", args=["patient", lefevre.pk, "administration"])
    assert f'href="{summary}">← Synthèse du dossier</a>' in nurse.get(form).content.decode()
    # A pharmacist reads the summary but records no care on the ward.
    pharmacist = _client("pharma").get(summary).content.decode()
    assert "Enregistrer un soin" not in pharmacist and BANNER in pharmacist


def test_the_summary_shows_what_was_given_in_downtime(care_live: CareWard) -> None:
    lefevre = care_live.ward.lefevre
    Prescription.objects.create(
        rkey="rx-1", patient=lefevre, version=1, received_at=lefevre.received_at,
        drug_label="Amoxicilline", dose="1", dose_unit="g", route="IV", frequency="TID",
    )  # fmt: skip
    actions.record_entry(
        actor=care_live.ward.nurse,
        subject=Subject(patient=lefevre),
        kind=EntryKind.ADMINISTRATION,
        data={"prescription": "mirror:rx-1", "status": "given", "dose": "1 g"},
        written_at="2026-11-23T08:30",
    )
    page = _client("dr.cardio").get(reverse("viewer:patient", args=[lefevre.pk])).content.decode()
    assert (
        "<td>23/11 08:30</td>" in page
        and "<td>Administration</td><td>Amoxicilline 1 g — IV · Statut : Administré · "
        "Dose administrée : 1 g</td><td>ide.cardio</td>"
        in page
    )


def test_the_birth_name_is_named_only_when_another_is_used(care_live: CareWard) -> None:
    lefevre = care_live.ward.lefevre
    client = _client("ide.cardio")
    record = reverse("care:subject", args=["patient", lefevre.pk])
    assert "né·e LEFÈVRE" not in client.get(record).content.decode()
    Patient.objects.filter(pk=lefevre.pk).update(used_family="DURAND")
    page = client.get(record).content.decode()
    assert '<h1>DURAND MARIE <span class="muted">né·e LEFÈVRE</span>' in page


def test_a_hidden_identity_is_badged_for_its_own_unit(care_live: CareWard) -> None:
    hidden = care_live.ward.hidden
    client = _client("ide.pneumo")
    for url in (
        reverse("viewer:patient", args=[hidden.pk]),
        reverse("care:subject", args=["patient", hidden.pk]),
    ):
        page = client.get(url).content.decode()
        assert '<span class="badge hidden">identité masquée</span>' in page
    assert (
        _client("ide.cardio").get(reverse("care:subject", args=["patient", hidden.pk])).status_code
        == 404
    )


# Routes about one patient that are not care screens: the request for exceptional access is
# shown before access is granted (nothing of the record may appear), the auditor's page lists
# who opened the record, and the FHIR API answers JSON.
NOT_PATIENT_SCREENS = {"viewer:break_glass", "viewer:audit_who_saw"}
PATIENT_PARAMETERS = ("patient_id", "<int:pk>", "entry_id")


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", space: str = ""
) -> list[tuple[str, str]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{space}{p.namespace}:" if p.namespace else space
            if p.namespace != "fhir":
                found += _routes(p.url_patterns, prefix + str(p.pattern), inner)
        else:
            found.append((f"{space}{p.name}", prefix + str(p.pattern)))
    return found


def test_every_route_about_one_patient_shows_the_banner(care_live: CareWard) -> None:
    lefevre = care_live.ward.lefevre
    entry = actions.record_entry(
        actor=care_live.physician,
        subject=Subject(patient=lefevre),
        kind=EntryKind.NOTE,
        data={"category": "nursing", "text": "nuit calme"},
    )
    arguments = {"patient_id": lefevre.pk, "kind": "patient", "pk": lefevre.pk}
    arguments |= {"entry_id": entry.pk, "entry_kind": "note"}
    about_a_patient = [
        (name, route)
        for name, route in _routes(get_resolver().url_patterns)
        if any(p in route for p in PATIENT_PARAMETERS) and name not in NOT_PATIENT_SCREENS
    ]
    assert {"viewer:patient", "care:subject", "care:record", "care:correct"} <= {
        name for name, _ in about_a_patient
    }
    client = _client("dr.cardio")
    for name, route in about_a_patient:
        if name.startswith(("care:stock", "care:beds")):
            continue  # a stock or bed entry, not a patient
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        url = reverse(name, kwargs={n: arguments[n] for n in names})
        page = client.get(url).content.decode()
        assert page.count(BANNER) == 1, name
    assert CareEntry.objects.count() == 1
