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

from autarcie.core.read_many import Statement

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


@dataclass(frozen=True)
class _Shape:
    """A model's columns on one engine, and how the engine's values become the ORM's."""

    columns: list[str]  # quoted
    attnames: list[str]
    converters: list[tuple[int, list[Converter], Any]]
    by_pk: str  # the statement of ``by_pk``


_shapes: dict[tuple[type[Model], str], _Shape] = {}


def _shape(model: type[Model], connection: BaseDatabaseWrapper) -> _Shape:
    key = (model, connection.vendor)
    found = _shapes.get(key)
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
    columns = [quote(str(field.column)) for field in fields]
    key_column = quote(str(meta.pk.column))
    by_pk_sql = f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} WHERE {key_column} = %s"  # noqa: S608
    made = _Shape(columns, [field.attname for field in fields], converters, by_pk_sql)
    _shapes[key] = made
    return made


def by_pk_statement(model: type[Model], pk: Any) -> Statement:
    """The statement of ``by_pk``, to read it with others (``read_many.fetch_many``); its rows
    become the instance with ``first_instance``."""
    connection = connections[router.db_for_read(model)]
    return _shape(model, connection).by_pk, [model._meta.pk.get_db_prep_value(pk, connection)]


def by_pk(model: type[M], pk: Any) -> M | None:
    """The instance of ``model`` whose primary key is ``pk``, or None; like
    ``model.objects.filter(pk=pk).first()`` on the default manager's database."""
    sql, params = by_pk_statement(model, pk)
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return first_instance(model, [] if row is None else [row])


def columns(model: type[Model], table_alias: str) -> str:
    """The select list of ``model``'s columns qualified by ``table_alias``, in the order
    ``instances`` reads them."""
    connection = connections[router.db_for_read(model)]
    return ", ".join(f"{table_alias}.{column}" for column in _shape(model, connection).columns)


def instances(model: type[M], rows: Sequence[Sequence[Any]]) -> list[M]:
    """Instances of ``model`` from rows selected with ``columns``."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    shape = _shape(model, connection)
    names = shape.attnames
    return [model.from_db(alias, names, _converted(row, shape, connection)) for row in rows]


def first_instance(model: type[M], rows: Sequence[Sequence[Any]]) -> M | None:
    """The instance of the first row (of ``by_pk_statement`` or ``columns``), or None."""
    found = instances(model, rows[:1])
    return found[0] if found else None


def _converted(row: Sequence[Any], shape: _Shape, connection: BaseDatabaseWrapper) -> list[Any]:
    values = list(row)
    for index, converters, column in shape.converters:
        value = values[index]
        for convert in converters:
            value = convert(value, column, connection)
        values[index] = value
    return values
