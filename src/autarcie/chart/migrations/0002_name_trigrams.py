"""The typo index of patient search: a vocabulary of name words, indexed by trigrams.

``chart_nameword`` holds each distinct word of ``mirror_patienttoken``, kept by a trigger on
that table, so every path that writes a patient's names (the mirror's raw SQL, merges, hidden
identities, satellites, bulk loads) fills it without knowing about it. The trigram index is
FTS5 with the ``trigram`` tokenizer on SQLite (SQLCipher ships it) and ``pg_trgm`` on
PostgreSQL. Each word is indexed behind a ``^`` so that a search can ask for "starts with".
"""

from __future__ import annotations

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.utils import DatabaseError

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE chart_nameword_fts USING fts5(word, content='', tokenize='trigram')",
    """CREATE TRIGGER chart_nameword_from_token AFTER INSERT ON mirror_patienttoken
       BEGIN INSERT OR IGNORE INTO chart_nameword (word) VALUES (new.token); END""",
    """CREATE TRIGGER chart_nameword_indexed AFTER INSERT ON chart_nameword
       BEGIN INSERT INTO chart_nameword_fts (rowid, word) VALUES (new.id, '^' || new.word); END""",
    "INSERT OR IGNORE INTO chart_nameword (word) SELECT DISTINCT token FROM mirror_patienttoken",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS chart_nameword_indexed",
    "DROP TRIGGER IF EXISTS chart_nameword_from_token",
    "DROP TABLE IF EXISTS chart_nameword_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX chart_nameword_trgm ON chart_nameword USING gin (word gin_trgm_ops)",
    """CREATE FUNCTION chart_nameword_from_token() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO chart_nameword (word) VALUES (NEW.token) ON CONFLICT (word) DO NOTHING;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER chart_nameword_from_token AFTER INSERT ON mirror_patienttoken
       FOR EACH ROW EXECUTE FUNCTION chart_nameword_from_token()""",
    """INSERT INTO chart_nameword (word) SELECT DISTINCT token FROM mirror_patienttoken
       ON CONFLICT (word) DO NOTHING""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS chart_nameword_from_token ON mirror_patienttoken",
    "DROP FUNCTION IF EXISTS chart_nameword_from_token()",
    "DROP INDEX IF EXISTS chart_nameword_trgm",
]


class TrigramUnavailable(DatabaseError):
    """The database cannot build the trigram index the patient search needs."""


def _require_pg_trgm(schema_editor: BaseDatabaseSchemaEditor) -> None:
    database = schema_editor.connection.settings_dict["NAME"]
    try:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        raise TrigramUnavailable(
            f"PostgreSQL could not create the extension pg_trgm ({exc}); typo-tolerant patient "
            "search needs it. It ships with PostgreSQL's contrib modules (Debian: the "
            "'postgresql' package). Have a superuser run 'CREATE EXTENSION pg_trgm;' in "
            f"database {database!r} (or grant CREATE on it to this role), then run "
            "'autarcie init' again. Nothing was changed."
        ) from exc


def _require_fts5(schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        options = {row[0] for row in cursor.fetchall()}
    if "ENABLE_FTS5" not in options:
        raise TrigramUnavailable(
            "this SQLite build has no FTS5, which typo-tolerant patient search needs: "
            "install the sqlcipher3-binary wheel from the lock file, then run 'autarcie init'."
        )


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _require_pg_trgm(schema_editor)
        statements = POSTGRES_FORWARD
    elif vendor == "sqlite":
        _require_fts5(schema_editor)
        statements = SQLITE_FORWARD
    else:
        raise TrigramUnavailable(f"no trigram index for the {vendor} database engine")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("chart", "0001_initial"),
        ("mirror", "0002_patient_tokens"),
    ]

    operations = [
        migrations.CreateModel(
            name="NameWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=80, unique=True)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
