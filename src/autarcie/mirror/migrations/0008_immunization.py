"""Immunizations (FHIR Immunization) projected per patient, so the summary can list them."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mirror", "0007_code_systems")]

    operations = [
        migrations.CreateModel(
            name="Immunization",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rkey", models.CharField(max_length=300, unique=True)),
                ("digest", models.CharField(blank=True, max_length=32)),
                ("version", models.PositiveIntegerField()),
                ("received_at", models.DateTimeField()),
                ("data", models.JSONField(default=dict)),
                ("code", models.CharField(blank=True, max_length=64)),
                ("label", models.CharField(max_length=200)),
                ("occurred_at", models.DateTimeField(null=True)),
                ("status", models.CharField(max_length=20)),
                ("lot_number", models.CharField(blank=True, max_length=60)),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="mirror.patient",
                    ),
                ),
            ],
            options={"abstract": False},
        ),
    ]
