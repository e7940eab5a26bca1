"""Every identifier of a patient as the feeds sent it (system, value, type), so that the FHIR
API returns and matches the hospital's own systems."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mirror", "0005_allergy_system")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="identifiers",
            field=models.TextField(blank=True, default=""),
        ),
    ]
