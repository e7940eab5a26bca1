"""The mirror's tables carry the indexes their reads need, and none that another covers.

Every index is a page written per new row (a random one, for most): ingest pays for each.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list[tuple[str, list[str]]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        (name, list(info["columns"]))
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"] and info["columns"]
    ]


def _mirror_tables() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(name for name in names if name.startswith("mirror_"))


def test_no_mirror_index_is_the_prefix_of_another() -> None:
    redundant = []
    for table in _mirror_tables():
        indexes = _indexes(table)
        for name, columns in indexes:
            for other, wider in indexes:
                if other != name and len(wider) > len(columns) and wider[: len(columns)] == columns:
                    redundant.append(f"{table}.{name} {columns} (covered by {other} {wider})")
    assert redundant == []


def test_versions_and_results_keep_the_indexes_their_reads_use() -> None:
    assert ["rtype", "rkey", "version"] in [c for _, c in _indexes("mirror_version")]
    assert ["patient_id", "observed_at"] in [c for _, c in _indexes("mirror_result")]
    tokens = [c for _, c in _indexes("mirror_patienttoken")]
    assert ["token", "patient_id"] in tokens
    assert ["patient_id", "token"] in tokens


def test_the_name_vocabulary_still_follows_new_patients() -> None:
    # The token table's triggers (chart app) survived the removal of its redundant indexes.
    feed([adt("A28", "M1", family="ZYGMUNTOWICZ", given="EULALIE")], at=T0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM chart_nameword WHERE word IN (%s, %s) ORDER BY word",
            ["eulalie", "zygmuntowicz"],
        )
        assert [row[0] for row in cursor.fetchall()] == ["eulalie", "zygmuntowicz"]
