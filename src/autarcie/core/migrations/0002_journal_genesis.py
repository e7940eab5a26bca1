"""The journal head starts at the genesis hash, so every writer can lock one existing row."""

from django.db import migrations


def create_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    JournalHead = apps.get_model("core", "JournalHead")
    JournalHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
