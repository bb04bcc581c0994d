"""Whole-table BC filters: the friendly ``Field: expression`` form and BC's stored view form.

BC keeps a mapping's Table Filter / Integration Table Filter as a table view such as
``VERSION(1) SORTING(Field1) WHERE(Field1=1(10000..20000),Field39=1(<>All))`` (field numbers), or
with names ``SORTING(No.) WHERE(No.=FILTER(10000..20000))``. People write one ``Field: expression``
per line (or separated by ``;``, or by ``,`` when a field name follows); the reference data writes
``Blocked = ' '`` and ``Company No. <> ''``, which are accepted too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .bc import BcCompare, BcExpr, Pattern, format_expression, parse_expression
from .catalogue import Catalogue
from .errors import FilterError


@dataclass(frozen=True)
class FieldFilter:
    """The expression for one field, with the field written as the user wrote it."""

    field: str
    expr: BcExpr
    position: int = dataclasses.field(default=0, compare=False)  # the name `field` is taken

    def __str__(self) -> str:
        return f"{friendly_name(self.field)}: {format_expression(self.expr)}"


def friendly_name(name: str) -> str:
    """A field name as the friendly form writes it: in double quotes when it holds a character
    that would end the name (``:`` ``=`` ``<`` ``>`` ...); spaces, brackets and parentheses, as
    in ``Balance (LCY)``, need no quotes."""
    return f'"{name}"' if _NAME_ENDS.search(name) or name != name.strip() else name


_NAME_ENDS = re.compile(r"[:=<>|&',;\n]")


@dataclass(frozen=True)
class TableFilter:
    """Field filters that must all hold (BC combines the fields of a view with AND)."""

    fields: tuple[FieldFilter, ...] = ()
    sorting: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    def __str__(self) -> str:
        return format_friendly(self)

    def __bool__(self) -> bool:
        return bool(self.fields)


def parse_table_filter(text: str, catalogue: Catalogue | None = None, *,
                       placeholders: Mapping[str, str] | None = None) -> TableFilter:
    """Parse either form: a stored view (starts with VERSION/SORTING/WHERE) or the friendly form."""
    if re.match(r"\s*(VERSION|SORTING|ORDER|WHERE)\s*\(", text, re.IGNORECASE):
        return parse_view(text)
    return parse_friendly(text, catalogue, placeholders=placeholders)


# ---------------------------------------------------------------------------------------------
# Friendly form


def parse_friendly(text: str, catalogue: Catalogue | None = None, *,
                   placeholders: Mapping[str, str] | None = None) -> TableFilter:
    """Parse ``Field: expression`` lines; the catalogue (optional) only disambiguates ``,``.

    A trailing ``(note)`` after a value is taken as a comment. Writing a field twice is an error.
    """
    filters: list[FieldFilter] = []
    seen: dict[str, int] = {}
    for start, end in _segments(text, catalogue):
        item = _parse_segment(text, start, end, placeholders or {})
        key = item.field.casefold()
        if key in seen:
            raise FilterError.at(f"'{item.field}' is filtered twice; combine the filters with "
                                 "'&' or '|'", text, item.position, len(item.field), item.field)
        seen[key] = item.position
        filters.append(item)
    return TableFilter(tuple(filters), source=text)


def _segments(text: str, catalogue: Catalogue | None) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank ``Field: expression`` segment, split outside quotes."""
    start, in_quotes, in_name = 0, False, False
    for pos, char in enumerate(text):
        if char == "'" and not in_name:
            in_quotes = not in_quotes
        elif char == '"' and not in_quotes:
            in_name = not in_name  # a "quoted field name" may hold ; , and '
        elif char == "\n" or (not in_quotes and not in_name
                              and _is_separator(text, pos, catalogue)):
            # A quote left open ends with its line, so the error stays there.
            in_quotes = in_name = False
            yield from _non_blank(text, start, pos)
            start = pos + 1
    yield from _non_blank(text, start, len(text))


def _non_blank(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    if text[start:end].strip():
        yield start, end


# A name runs up to the first ':' '=' '<' or '>'; parentheses and brackets belong to it, as in
# BC's captions ``Balance (LCY)`` or ``Amount [LCY]``, so ``Balance (LCY)>0`` reads as
# name ``Balance (LCY)`` and expression ``>0``. A name holding one of those characters is written
# in double quotes.
_FIELD_START = re.compile(r"\s*(\"[^\"]+\"|[^:=<>|&'\",;\n]+?)\s*(:|=|<|>)")


def _is_separator(text: str, pos: int, catalogue: Catalogue | None) -> bool:
    if text[pos] == ";":
        return True
    if text[pos] != ",":
        return False
    # A comma may be part of a value ("Smith, John"); it separates only if a field name follows.
    match = _FIELD_START.match(text, pos + 1)
    return match is not None and (catalogue is None or catalogue.get(match.group(1)) is not None)


def _parse_segment(text: str, start: int, end: int,
                   placeholders: Mapping[str, str]) -> FieldFilter:
    match = _FIELD_START.match(text, start, end)
    if not match:
        position = start + len(text[start:end]) - len(text[start:end].lstrip())
        raise FilterError.at("expected 'Field: filter'", text, position, end - position)
    name = match.group(1).strip('"')
    # "Company No. <> ''": the operator after the name belongs to the expression.
    expr_start = match.start(2) if match.group(2) in "<>" else match.end()
    expr = parse_expression(text, expr_start, end, placeholders=placeholders, allow_comment=True)
    return FieldFilter(name, expr, match.start(1))


def format_friendly(table_filter: TableFilter, separator: str = "\n") -> str:
    """Canonical friendly text: one ``Field: expression`` per line (or joined by ``separator``)."""
    return separator.join(str(item) for item in table_filter.fields)


# ---------------------------------------------------------------------------------------------
# Stored view form


_CLAUSE = re.compile(r"\s*([A-Za-z]+)\s*\(")
_WHERE_ITEM = re.compile(r"\s*(\"[^\"]+\"|.+?)=(\d+|CONST|FILTER)\(", re.IGNORECASE | re.DOTALL)


def parse_view(text: str) -> TableFilter:
    """Parse ``VERSION(1) SORTING(...) WHERE(Field=1(expr),...)`` (field numbers or names)."""
    fields: tuple[FieldFilter, ...] = ()
    sorting: tuple[str, ...] = ()
    pos = 0
    while text[pos:].strip():
        clause = _CLAUSE.match(text, pos)
        if not clause:
            raise FilterError.at("expected VERSION(...), SORTING(...) or WHERE(...)", text, pos)
        close = _closing_paren(text, clause.end() - 1)
        keyword = clause.group(1).upper()
        if keyword == "SORTING":
            sorting = tuple(name.strip() for name in text[clause.end():close].split(","))
        elif keyword == "WHERE":
            fields = _parse_where(text, clause.end(), close)
        elif keyword not in ("VERSION", "ORDER"):
            raise FilterError.at(f"unknown clause {clause.group(1)}", text, clause.start(1))
        pos = close + 1
    return TableFilter(fields, sorting, text)


def _closing_paren(text: str, opening: int) -> int:
    """Index of the ')' matching ``text[opening]``, skipping quoted text."""
    depth, in_quotes = 0, False
    for pos in range(opening, len(text)):
        char = text[pos]
        if char == "'":
            in_quotes = not in_quotes
        elif not in_quotes and char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return pos
    raise FilterError.at("'(' is never closed", text, opening)


def _parse_where(text: str, start: int, end: int) -> tuple[FieldFilter, ...]:
    items: list[FieldFilter] = []
    pos = start
    while text[pos:end].strip():
        match = _WHERE_ITEM.match(text, pos, end)
        if not match:
            raise FilterError.at("expected Field=FILTER(...) or FieldN=1(...)", text, pos)
        close = _closing_paren(text, match.end() - 1)
        expr = _where_value(text, match.group(2), match.end(), close)
        items.append(FieldFilter(match.group(1).strip().strip('"'), expr, match.start(1)))
        pos = _after_comma(text, close + 1, end)
    return tuple(items)


def _where_value(text: str, kind: str, start: int, end: int) -> BcExpr:
    if kind.upper() == "CONST":  # CONST(A|B) is the literal value "A|B", not a filter
        return BcCompare("=", Pattern.of(text[start:end]), span=(start, end))
    return parse_expression(text, start, end)


def _after_comma(text: str, pos: int, end: int) -> int:
    rest = text[pos:end]
    if rest.strip() and not rest.lstrip().startswith(","):
        raise FilterError.at("expected ',' between field filters", text, pos)
    return pos + len(rest) - len(rest.lstrip()) + 1


def format_view(table_filter: TableFilter, catalogue: Catalogue | None = None) -> str:
    """BC's stored view text. With field numbers from the catalogue it is the BLOB form
    ``VERSION(1) SORTING(Field1) WHERE(Field1=1(...))``; otherwise names with FILTER(...)."""
    specs = [catalogue.get(item.field) if catalogue else None for item in table_filter.fields]
    specs += [catalogue.get(name) if catalogue else None for name in table_filter.sorting]
    if catalogue is not None and specs and all(
            spec is not None and spec.number is not None for spec in specs):
        return _numbered_view(table_filter, catalogue)
    sorting = ",".join(_view_name(name) for name in table_filter.sorting)
    where = ",".join(f"{_view_name(item.field)}=FILTER({format_expression(item.expr)})"
                     for item in table_filter.fields)
    return " ".join(filter(None, [sorting and f"SORTING({sorting})",
                                  where and f"WHERE({where})"]))


def _numbered_view(table_filter: TableFilter, catalogue: Catalogue) -> str:
    def number(name: str) -> str:
        spec = catalogue.get(name)
        assert spec is not None  # format_view checked every name
        return f"Field{spec.number}"

    parts = ["VERSION(1)"]
    if table_filter.sorting:
        parts.append(f"SORTING({','.join(number(name) for name in table_filter.sorting)})")
    if table_filter.fields:
        where = ",".join(f"{number(item.field)}=1({format_expression(item.expr)})"
                         for item in table_filter.fields)
        parts.append(f"WHERE({where})")
    return " ".join(parts)


def _view_name(name: str) -> str:
    return f'"{name}"' if re.search(r"[=,()\"]", name) else name
