"""Filters of integration table mappings.

Business Central side ("Table Filter"): :func:`parse_table_filter` (friendly ``Field: expr`` lines
or BC's stored ``VERSION(1) SORTING(...) WHERE(...)`` view) -> :func:`bind` against a
:class:`Catalogue` -> :func:`translate` to an OData ``$filter`` plus a client-side remainder.
Dataverse side ("Integration Table Filter"): :func:`build_filter` from condition rows,
:func:`parse_dataverse_filter` for raw ``$filter`` text, :func:`translate_bc_style` for filters
written BC's way. Every parsed filter evaluates records with ``matches``.
"""

from .bc import (
    BcAnd,
    BcCompare,
    BcExpr,
    BcOr,
    BcRange,
    Pattern,
    Wildcard,
    format_expression,
    parse_expression,
)
from .binding import BoundField, BoundFilter, bind
from .catalogue import Catalogue, FieldSpec, FieldType
from .dataverse import (
    ROW_OPERATORS,
    Condition,
    build_filter,
    parse_dataverse_filter,
    translate_bc_style,
    validate_odata,
)
from .errors import FilterError, Problem
from .odata import (
    Dialect,
    ODataAnd,
    ODataCompare,
    ODataExpr,
    ODataFunction,
    ODataNot,
    ODataOr,
    business_central_problems,
    format_odata,
    matches,
    parse_odata,
    split_for_business_central,
)
from .tables import (
    FieldFilter,
    TableFilter,
    format_friendly,
    format_view,
    parse_friendly,
    parse_table_filter,
    parse_view,
)
from .translate import Translation, translate

__all__ = [
    "ROW_OPERATORS", "BcAnd", "BcCompare", "BcExpr", "BcOr", "BcRange", "BoundField",
    "BoundFilter", "Catalogue", "Condition", "Dialect", "FieldFilter", "FieldSpec", "FieldType",
    "FilterError", "ODataAnd", "ODataCompare", "ODataExpr", "ODataFunction", "ODataNot",
    "ODataOr", "Pattern", "Problem", "TableFilter", "Translation", "Wildcard", "bind",
    "build_filter", "business_central_problems", "format_expression", "format_friendly",
    "format_odata", "format_view", "matches", "parse_dataverse_filter", "parse_expression",
    "parse_friendly", "parse_odata", "parse_table_filter", "parse_view",
    "split_for_business_central", "translate", "translate_bc_style", "validate_odata",
]
