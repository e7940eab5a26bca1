"""Covering indexes of patient search on ``mirror_patienttoken``, in both directions.

``(token, patient_id)``: the rarest query word lists its patients from the index alone, and
each other word accepting few name words is checked by looking (word, patient) up in it, among
that word's own pages. ``(patient_id, token)``: a word accepting many name words (a short
prefix, a typo's neighbours) is checked on the patient's own tokens from the index alone.
Without them every step also reads the table row, an encrypted page on SQLCipher: at 1,000,000
patients a family name with a common first name cost hundreds of milliseconds. The table
belongs to the mirror app; search is what needs the indexes, so they are created here, in SQL
(as the typo vocabulary's triggers are).
"""

from __future__ import annotations

from django.db import migrations

INDEXES = {
    "chart_search_token_patient": "token, patient_id",
    "chart_search_patient_token": "patient_id, token",
}


class Migration(migrations.Migration):
    dependencies = [
        ("chart", "0002_name_trigrams"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON mirror_patienttoken ({columns})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
