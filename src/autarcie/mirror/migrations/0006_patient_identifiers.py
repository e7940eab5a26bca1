"""Every identifier of a patient as the feeds sent it (system, value, type), so that the FHIR
API returns and matches the hospital's own systems; and patients keyed by an ANS OID authority
(``1.2.250.1.71.4.2.<n>.<FINESS>``) re-keyed by the FINESS, as both feeds now key them."""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations, models

# Frozen copy of `records.authority_key`'s rule, as it was when this migration was written.
_FINESS_ROOT = re.compile(r"^1\.2\.250\.1\.71\.4\.2\.\d+\.([0-9AB]{9})$")


def rekey(apps: Any, _schema_editor: Any) -> None:
    """Move each projection row to the key new messages will use (versions keep their old
    key, as after an A47). A row whose new key is taken (the same IPP already came by FHIR)
    stays where it is: two rows of one patient are reconciled by hand, never merged here."""
    patient = apps.get_model("mirror", "Patient")
    for row in patient.objects.filter(authority__startswith="1.2.250.1.71.4.2."):
        found = _FINESS_ROOT.match(row.authority)
        if found is None:
            continue
        rkey = f"{found.group(1)}|{row.ipp}"
        if not patient.objects.filter(rkey=rkey).exists():
            patient.objects.filter(pk=row.pk).update(rkey=rkey, authority=found.group(1))


class Migration(migrations.Migration):
    dependencies = [("mirror", "0005_allergy_system")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="identifiers",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
