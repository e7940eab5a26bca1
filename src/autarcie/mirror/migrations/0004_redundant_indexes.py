"""Indexes that others already cover, removed: each cost every write another page.

``mirror_result(patient_id)`` is the prefix of ``(patient_id, observed_at)``; on
``mirror_patienttoken``, ``(token)`` and ``(patient_id)`` are the prefixes of search's covering
indexes (``chart.0003``). Django would rebuild both tables on SQLite to drop a foreign key's
index, which would also drop the chart app's triggers and covering indexes on the token table:
the database side here only drops the indexes themselves.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("mirror_patienttoken", "mirror_result")


def _patient_only_indexes(schema_editor: Any, table: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == ["patient_id"]
    ]


def drop(apps: Any, schema_editor: Any) -> None:
    quote = schema_editor.quote_name
    for table in TABLES:
        for name in _patient_only_indexes(schema_editor, table):
            schema_editor.execute(f"DROP INDEX {quote(name)}")


def restore(apps: Any, schema_editor: Any) -> None:
    quote = schema_editor.quote_name
    for table in TABLES:
        if not _patient_only_indexes(schema_editor, table):
            name = quote(f"{table}_patient_id")
            schema_editor.execute(f"CREATE INDEX {name} ON {quote(table)} (patient_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("mirror", "0003_version_reads_by_unique_index"),
        # The covering indexes that take over from the ones removed here.
        ("chart", "0003_search_covering_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="patienttoken",
            name="mirror_pati_token_ac5f5e_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="patienttoken",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="mirror.patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="result",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="mirror.patient",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
