"""The fields a filter may use, with their types, and text <-> typed value conversion.

The caller builds a :class:`Catalogue` from what it knows about a table (BC captions and API
property names, Dataverse attribute metadata); the parsers themselves know nothing about tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, cast
from uuid import UUID

EMPTY_GUID = UUID(int=0)
# Business Central has no NULL: a blank date is 0D (0001-01-01), a blank datetime 0DT.
BLANK_DATE = date.min
BLANK_DATETIME = datetime.min.replace(tzinfo=UTC)

Scalar = str | int | Decimal | bool | date | datetime | UUID


class FieldType(StrEnum):
    """Field types a filter knows how to compare."""

    TEXT = "text"
    CODE = "code"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    OPTION = "option"
    GUID = "guid"


# Spellings used by Dataverse metadata and BC AL for the same types.
TYPE_ALIASES = {
    "string": FieldType.TEXT, "memo": FieldType.TEXT, "entityname": FieldType.TEXT,
    "int": FieldType.INTEGER, "bigint": FieldType.INTEGER,
    "money": FieldType.DECIMAL, "double": FieldType.DECIMAL,
    "bool": FieldType.BOOLEAN,
    "picklist": FieldType.OPTION, "state": FieldType.OPTION, "status": FieldType.OPTION,
    "enum": FieldType.OPTION, "choice": FieldType.OPTION,
    "uniqueidentifier": FieldType.GUID, "lookup": FieldType.GUID, "owner": FieldType.GUID,
    "customer": FieldType.GUID,
}


def field_type(name: str | FieldType) -> FieldType:
    """Resolve a type name, accepting Dataverse/AL spellings such as ``money`` or ``picklist``."""
    key = str(name).strip().lower()
    return TYPE_ALIASES.get(key) or FieldType(key)


@dataclass(frozen=True)
class FieldSpec:
    """One filterable field.

    ``name`` is what the server calls it (BC API property such as ``number``, Dataverse attribute
    such as ``_parentcustomerid_value``) and is also the key used in records. ``options`` pairs each
    option label with its wire value, in ordinal order: BC enums send the label itself, Dataverse
    choices send an integer. ``filterable=False`` marks fields the server cannot filter on; their
    conditions are always checked client-side.
    """

    name: str
    type: FieldType
    caption: str = ""
    number: int | None = None
    options: tuple[tuple[str, str | int], ...] = ()
    aliases: tuple[str, ...] = ()
    filterable: bool = True

    @classmethod
    def of(cls, name: str, type: str | FieldType, caption: str = "", *,
           number: int | None = None,
           options: Sequence[str] | Mapping[str, str | int] = (),
           aliases: Sequence[str] = (), filterable: bool = True) -> FieldSpec:
        """Build a spec from friendly arguments: options as a list of labels or label->value."""
        pairs = tuple(options.items()) if isinstance(options, Mapping) else tuple(
            (label, label) for label in options)
        return cls(name, field_type(type), caption, number, pairs, tuple(aliases), filterable)

    @property
    def label(self) -> str:
        """What users see: the caption when there is one."""
        return self.caption or self.name

    def names(self) -> Iterable[str]:
        """Every name this field may be written as."""
        yield self.name
        if self.caption:
            yield self.caption
        yield from self.aliases
        lookup = re.fullmatch(r"_(\w+)_value", self.name)
        if lookup:  # Dataverse lookups are read as _x_value but people write x
            yield lookup.group(1)

    def option_labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.options)

    def wire_option(self, label: str) -> str | int:
        """The server value of an option label."""
        return dict(self.options)[label]


class Catalogue:
    """Fields of one table, looked up case-insensitively by name, caption, alias or ``FieldN``."""

    def __init__(self, fields: Iterable[FieldSpec]) -> None:
        self.fields = tuple(fields)
        self._by_name: dict[str, FieldSpec] = {}
        for spec in self.fields:
            for name in spec.names():
                self._by_name.setdefault(name.strip().casefold(), spec)
        self._by_number = {spec.number: spec for spec in self.fields if spec.number is not None}

    def get(self, name: str) -> FieldSpec | None:
        """The field written as ``name``, or None."""
        key = name.strip().strip('"').casefold()
        if key in self._by_name:
            return self._by_name[key]
        number = re.fullmatch(r"field(\d+)", key)
        return self._by_number.get(int(number.group(1))) if number else None

    def __iter__(self):
        return iter(self.fields)


class ValueProblem(ValueError):
    """A literal that does not fit the field type (message is shown to the user)."""


def parse_scalar(text: str, spec: FieldSpec) -> Scalar:
    """Convert literal filter text to the field's Python value (ValueProblem if it does not fit)."""
    parser = _PARSERS[spec.type]
    return parser(text, spec)


def _text(text: str, spec: FieldSpec) -> str:
    # BC stores Code values upper-cased and upper-cases filter values on Code fields too.
    return text.upper() if spec.type is FieldType.CODE else text


def _integer(text: str, spec: FieldSpec) -> int:
    if not re.fullmatch(r"\s*[-+]?\d+\s*", text):
        raise ValueProblem(f"'{text}' is not a whole number")
    return int(text)


def _decimal(text: str, spec: FieldSpec) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueProblem(f"'{text}' is not a number")
    return value


_BOOLEANS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


def _boolean(text: str, spec: FieldSpec) -> bool:
    try:
        return _BOOLEANS[text.strip().lower()]
    except KeyError:
        raise ValueProblem(f"'{text}' is not Yes/No (true/false)") from None


def _date(text: str, spec: FieldSpec) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueProblem(f"'{text}' is not a date (write it as YYYY-MM-DD)") from None


def _datetime(text: str, spec: FieldSpec) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ValueProblem(
            f"'{text}' is not a date and time (write it as YYYY-MM-DDTHH:MM:SSZ)") from None


def _option(text: str, spec: FieldSpec) -> str:
    wanted = text.strip().casefold() if text.strip() else text
    for label, wire in spec.options:
        if label.casefold() == wanted or str(wire) == text.strip():
            return label
    # BC's filters name options by their AL member (SalesInventory) where Dataverse shows the
    # label (Sales Inventory): accept the member name when it matches exactly one label.
    squeezed = [label for label, _ in spec.options if member_key(label) == member_key(text)]
    if text.strip() and len(squeezed) == 1:
        return squeezed[0]
    allowed = ", ".join(repr(label) for label in spec.option_labels())
    raise ValueProblem(f"'{text}' is not an option of {spec.label} (allowed: {allowed})")


def member_key(label: str) -> str:
    """An option label as BC's AL member names write it, for matching: `Sales Inventory` and
    `SalesInventory` both give `salesinventory`."""
    return "".join(ch for ch in label.casefold() if ch.isalnum())


def _guid(text: str, spec: FieldSpec) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise ValueProblem(f"'{text}' is not a GUID") from None


_PARSERS: dict[FieldType, Callable[[str, FieldSpec], Scalar]] = {
    FieldType.TEXT: _text, FieldType.CODE: _text, FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal, FieldType.BOOLEAN: _boolean, FieldType.DATE: _date,
    FieldType.DATETIME: _datetime, FieldType.OPTION: _option, FieldType.GUID: _guid,
}


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are UTC (both APIs send UTC); aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def blank_value(spec: FieldSpec) -> Scalar:
    """What BC's ``''`` (blank) means for this field type."""
    if spec.type is FieldType.OPTION:
        return _blank_option(spec)
    blanks: dict[FieldType, Scalar] = {
        FieldType.TEXT: "", FieldType.CODE: "", FieldType.DATE: BLANK_DATE,
        FieldType.DATETIME: BLANK_DATETIME, FieldType.GUID: EMPTY_GUID,
        FieldType.INTEGER: 0, FieldType.DECIMAL: Decimal(0), FieldType.BOOLEAN: False,
    }
    return blanks[spec.type]


def _blank_option(spec: FieldSpec) -> str:
    for label, _ in spec.options:
        if not label.strip():
            return label
    raise ValueProblem(f"{spec.label} has no blank option")


def can_be_blank(spec: FieldSpec) -> bool:
    """Whether ``''`` is a meaningful filter value (BC refuses it on numbers and booleans)."""
    if spec.type is FieldType.OPTION:
        return any(not label.strip() for label in spec.option_labels())
    return spec.type not in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.BOOLEAN)


def record_value(value: Any, spec: FieldSpec) -> Scalar:
    """Normalise a value as read from an API (JSON) to the field's Python type, BC style.

    Missing/null becomes the type's blank, because Business Central has no NULL and the CRM proxy
    tables show Dataverse nulls as blanks too.
    """
    if value is None or (value == "" and spec.type is not FieldType.OPTION):
        return _blank_or_zero(spec)
    if spec.type is FieldType.OPTION:
        return _record_option(value, spec)
    if isinstance(value, str) and spec.type not in (FieldType.TEXT, FieldType.CODE):
        return parse_scalar(value, spec)
    return _coerce_native(value, spec)


def _blank_or_zero(spec: FieldSpec) -> Scalar:
    if spec.type is FieldType.OPTION and not can_be_blank(spec):
        return ""
    return blank_value(spec)


def _record_option(value: Any, spec: FieldSpec) -> str:
    for label, wire in spec.options:
        if wire == value or label == value:
            return label
    if isinstance(value, str) and not value.strip():
        return cast(str, _blank_or_zero(spec))  # an option's blank is a label
    return str(value)


def _coerce_native(value: Any, spec: FieldSpec) -> Scalar:
    if spec.type is FieldType.DECIMAL and not isinstance(value, Decimal):
        return Decimal(str(value))
    if spec.type is FieldType.DATETIME and isinstance(value, datetime):
        return as_utc(value)
    return value
