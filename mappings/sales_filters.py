"""The Sales-side "Integration Table Filter": written BC's way or as an OData ``$filter``.

Without entity metadata only the syntax is checked; with it (a Catalogue built by
:func:`mappings.catalogues.dataverse`) attribute names, types and option labels are checked too,
and the filter is translated to what the Dataverse client sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from mappings.filters import (
    Catalogue,
    FilterError,
    Translation,
    format_odata,
    parse_dataverse_filter,
    parse_odata,
    parse_table_filter,
    translate_bc_style,
)

BC_SYNTAX = "bc"
ODATA_SYNTAX = "odata"


@dataclass(frozen=True)
class SalesFilter:
    """What to send as ``$filter`` and a predicate for what the server could not filter."""

    filter_text: str
    translation: Translation | None = None

    def matches(self, record: dict) -> bool:
        if self.translation is None:
            return True
        return self.translation.matches(record)


def check_sales_filter(text: str, syntax: str, catalogue: Catalogue | None) -> FilterError | None:
    """The filter's problems, or None when it is fine (or blank)."""
    try:
        sales_filter(text, syntax, catalogue)
    except FilterError as error:
        return error
    return None


def sales_filter(text: str, syntax: str, catalogue: Catalogue | None) -> SalesFilter:
    """Parse (and validate, with a catalogue) the filter; FilterError points at the bad part."""
    if not text.strip():
        return SalesFilter("")
    if syntax == ODATA_SYNTAX:
        expr = parse_dataverse_filter(text, catalogue) if catalogue else parse_odata(text)
        return SalesFilter(format_odata(expr))
    if catalogue is None:
        parse_table_filter(text)
        return SalesFilter("")
    translation = translate_bc_style(text, catalogue)
    return SalesFilter(translation.filter_text, translation)

