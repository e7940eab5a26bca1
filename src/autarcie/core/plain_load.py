"""Model instances read with one plain query, for the look-ups that every page makes.

A page reads its session, its user and the patient it shows. Building each of those queries
through the ORM cost several times the indexed look-up itself; here the statement is made
once per model and engine, and the row becomes an instance exactly as the ORM would make it
(the engine's converters applied: SQLite keeps booleans as integers and instants as text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


@dataclass(frozen=True)
class _Statement:
    sql: str
    attnames: list[str]
    converters: list[tuple[int, list[Converter], Any]]


_statements: dict[tuple[type[Model], str], _Statement] = {}


def _statement(model: type[Model], connection: BaseDatabaseWrapper) -> _Statement:
    key = (model, connection.vendor)
    found = _statements.get(key)
    if found is not None:
        return found
    meta = model._meta
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        found_converters = connection.ops.get_db_converters(column)
        found_converters += column.get_db_converters(connection)
        if found_converters:
            converters.append((index, found_converters, column))
    columns = ", ".join(quote(str(field.column)) for field in fields)
    key_column = quote(str(meta.pk.column))
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {key_column} = %s"  # noqa: S608
    made = _Statement(sql, [field.attname for field in fields], converters)
    _statements[key] = made
    return made


def by_pk(model: type[M], pk: Any) -> M | None:
    """The instance of ``model`` whose primary key is ``pk``, or None; like
    ``model.objects.filter(pk=pk).first()`` on the default manager's database."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    statement = _statement(model, connection)
    key = model._meta.pk.get_db_prep_value(pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(alias, statement.attnames, _converted(row, statement, connection))


def _converted(
    row: Sequence[Any], statement: _Statement, connection: BaseDatabaseWrapper
) -> list[Any]:
    values = list(row)
    for index, converters, column in statement.converters:
        value = values[index]
        for convert in converters:
            value = convert(value, column, connection)
        values[index] = value
    return values
