"""New couplings written with one ``executemany``: a full synchronization creates one per record.

``bulk_create`` compiles every value of every row through the ORM's SQL compiler; for the
100,000 couplings of a first full synchronization that was most of the worker's time, on the
same core as the planning of the next page. Here each column's conversion is chosen once per
call and the rows go to the driver as plain tuples. Same statement, same constraints: a row the
database refuses raises IntegrityError as bulk_create would.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    TextField,
    UUIDField,
)
from django.db.models.base import ModelState

from mappings.models import Coupling


def new_coupling(mapping: Any, **values: Any) -> Coupling:
    """``Coupling(mapping=mapping, **values)`` (``values`` by attribute name), built without
    Model.__init__, which looks up every field's default and descriptor: for each of the
    100,000 couplings of a first full synchronization that was a tenth of the worker's time."""
    coupling = Coupling.__new__(Coupling)
    coupling._state = ModelState()
    state = coupling.__dict__
    state.update(_static_defaults())
    for name, default in _called_defaults():
        if name not in values:
            state[name] = default()
    state.update(values, mapping_id=mapping.pk)
    coupling._state.fields_cache["mapping"] = mapping  # as the foreign key's descriptor does
    return coupling


@functools.cache
def _static_defaults() -> dict[str, Any]:
    return {f.attname: f.get_default() for f in Coupling._meta.concrete_fields
            if not _called(f)}


@functools.cache
def _called_defaults() -> list[tuple[str, Callable[[], Any]]]:
    return [(f.attname, f.default) for f in Coupling._meta.concrete_fields if _called(f)]


def _called(field: Field) -> bool:
    return field.has_default() and callable(field.default)


def insert_couplings(couplings: list[Coupling], batch_size: int = 1000) -> None:
    """INSERT these new couplings (their ids stay unset)."""
    if not couplings:
        return
    connection = connections[router.db_for_write(Coupling)]
    fields = [f for f in Coupling._meta.concrete_fields if not f.primary_key]
    converters = [_converter(f, connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    statement = (f"INSERT INTO {quote(Coupling._meta.db_table)} ({columns}) "
                 f"VALUES ({', '.join(['%s'] * len(fields))})")
    values_of = attrgetter(*(f.attname for f in fields))  # every column at once, in C
    converted = [(i, convert) for i, convert in enumerate(converters) if convert is not _same]
    rows = []
    for obj in couplings:
        row = list(values_of(obj))
        for i, convert in converted:
            row[i] = convert(row[i])
        rows.append(row)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(statement, rows[start:start + batch_size])


def _converter(field: Field, connection: Any) -> Callable[[Any], Any]:
    """How one column's Python value becomes what the driver takes, chosen once."""
    if isinstance(field, UUIDField):
        native = connection.features.has_native_uuid_field
        return lambda v: None if v is None else (_uuid(v) if native else _uuid(v).hex)
    if isinstance(field, DateTimeField):
        return _datetime_converter(connection)
    if isinstance(field, CharField | IntegerField | BooleanField | ForeignKey):
        return _same  # str, int and bool go to every driver as they are
    if isinstance(field, TextField):  # its preparation of a str gives the str itself
        return lambda v: v if type(v) is str else field.get_db_prep_save(v, connection)
    return lambda v: field.get_db_prep_save(v, connection)


def _datetime_converter(connection: Any) -> Callable[[Any], Any]:
    """SQLite's adapter, with what it asks of the settings on every call asked once: an aware
    datetime becomes the connection's naive local time as text. Other engines: theirs."""
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone
    texts: dict[Any, str] = {}  # the couplings of a batch share their created-at and seconds

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        text = texts.get(value)
        if text is None:
            naive = value
            if value.utcoffset() is not None:  # timezone.make_naive(value, zone)
                naive = value.astimezone(zone).replace(tzinfo=None)
            text = texts[value] = str(naive)
        return text

    return adapt


def _same(value: Any) -> Any:
    return value


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
