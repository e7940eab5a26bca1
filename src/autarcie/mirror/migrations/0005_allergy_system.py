"""The code system of an allergy's substance, so that the read model can tell an ATC code from a
local one when it reconciles the allergies both feeds describe."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mirror", "0004_redundant_indexes")]

    operations = [
        migrations.AddField(
            model_name="allergy",
            name="system",
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
