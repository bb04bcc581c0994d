"""Evaluation of parsed OData queries: ``$filter`` predicates, ``$orderby``, ``$select`` and
``$expand`` option lists, used by both the Dataverse and the Business Central emulators."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sandbox.odata import Getter, Node, ODataError, Parser, Predicate, Record, parse_datetime

if TYPE_CHECKING:
    from sandbox.query_plan import Planned

Evaluator = Callable[[Record], Any]


@dataclass
class FilterContext:
    """How a service resolves property paths and compares values."""

    getter: Callable[[str], Getter]
    case_insensitive: bool = False
    single_field_or: bool = False
    allow_in: bool = True


def compile_filter(text: str, context: FilterContext) -> Predicate:
    """Compile a ``$filter`` expression to a predicate over records."""
    return compile_tree(parse_filter(text, context), context)


def parse_filter(text: str, context: FilterContext) -> Node:
    """The syntax tree of a ``$filter``, checked against the service's rules."""
    tree = Parser(text).parse()
    if context.single_field_or:
        _check_single_field_or(tree)
    return tree


def compile_tree(tree: Node, context: FilterContext) -> Predicate:
    """A predicate over records for a parsed ``$filter``."""
    evaluator = _compile(tree, context)
    return lambda record: bool(evaluator(record))


def filter_rows(text: str, context: FilterContext, rows: Any,
                plan: Callable[[Node], Planned | None] | None = None) -> list[Record]:
    """The rows matching a ``$filter``; ``plan`` may narrow them to index candidates first
    (or find them all: query_plan.Planned)."""
    tree = parse_filter(text, context)
    predicate = compile_tree(tree, context)
    planned = plan(tree) if plan is not None else None
    if planned is not None and planned.exact:
        return planned.rows
    return [r for r in (rows if planned is None else planned.rows) if predicate(r)]


def _check_single_field_or(node: Any) -> set[str]:
    """The properties ``node`` reads; raises on an ``or`` across fields. One bottom-up pass, so
    a chain of 50 ``or`` terms costs 50 steps, not 50 squared."""
    # protocols.md 4.4: BC only allows `or` between values of the same field.
    if not isinstance(node, Node):
        return set()
    if node.op == "prop":
        return {node.args[0]}
    found: set[str] = set()
    for arg in node.args:
        for item in arg if isinstance(arg, list) else [arg]:
            found |= _check_single_field_or(item[1] if isinstance(item, tuple) else item)
    if node.op == "or" and len(found) > 1:
        raise ODataError("The 'or' operator is only supported between values of the same field.")
    return found


def _compile(node: Node, context: FilterContext) -> Evaluator:
    if node.op == "lit":
        value = node.args[0]
        return lambda record: value
    if node.op == "prop":
        return context.getter(node.args[0])
    if node.op in ("and", "or", "not"):
        return _compile_logical(node, context)
    if node.op in COMPARE:
        return _compile_comparison(node, context)
    if node.op == "in":
        if not context.allow_in:
            raise ODataError("The 'in' operator is not supported by this service.")
        return _compile_in(node.args[0], node.args[1].args, context, negate=False)
    if node.op == "call":
        return _compile_call(node.args[0], node.args[1], context)
    if node.op == "list":
        items = [_compile(item, context) for item in node.args]
        return lambda record: [item(record) for item in items]
    raise ODataError(f"Unsupported expression '{node.op}'.")


def _compile_logical(node: Node, context: FilterContext) -> Evaluator:
    parts = [_compile(arg, context) for arg in node.args]
    if node.op == "not":
        return lambda record: not parts[0](record)
    if node.op == "and":
        return lambda record: bool(parts[0](record)) and bool(parts[1](record))
    return lambda record: bool(parts[0](record)) or bool(parts[1](record))


COMPARE = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def _compile_comparison(node: Node, context: FilterContext) -> Evaluator:
    left, right = (_compile(arg, context) for arg in node.args)
    op, ci = node.op, context.case_insensitive
    fast = _millisecond_text(node.args[1])
    if fast is not None:
        # Watermark filters on 100k rows: compare BC's fixed-width timestamps as text.
        function = COMPARE[op]

        def evaluate(record: Record) -> bool:
            value = left(record)
            if (
                isinstance(value, str)
                and len(value) == 24
                and value[19] == "."
                and value[23] == "Z"
            ):
                return function(value, fast)
            return compare(value, right(record), op, ci)

        return evaluate
    return lambda record: compare(left(record), right(record), op, ci)


def _millisecond_text(node: Node) -> str | None:
    value = node.args[0] if node.op == "lit" and node.args else None
    if not isinstance(value, dt.datetime) or value.microsecond % 1000:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compare(a: Any, b: Any, op: str, case_insensitive: bool) -> bool:
    """OData comparison with null semantics and string/date/GUID coercion."""
    if a is None or b is None:
        return (
            (a is None and b is None)
            if op == "eq"
            else (not (a is None and b is None) if op == "ne" else False)
        )
    a, b = _align(a, b)
    a, b = _coerce(a, case_insensitive), _coerce(b, case_insensitive)
    try:
        return COMPARE[op](a, b)
    except TypeError:
        return op == "ne"


def _coerce(value: Any, case_insensitive: bool) -> Any:
    if isinstance(value, str) and case_insensitive:
        return value.lower()
    return value


def _align(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, str) and isinstance(b, dt.date):
        return _as_temporal(a, b), b
    if isinstance(b, str) and isinstance(a, dt.date):
        return a, _as_temporal(b, a)
    if isinstance(a, bool) != isinstance(b, bool):
        return a, b
    if isinstance(a, int | float) and isinstance(b, str):
        return str(a), b
    if isinstance(b, int | float) and isinstance(a, str):
        return a, str(b)
    return a, b


def _as_temporal(text: str, like: dt.date) -> Any:
    try:
        if isinstance(like, dt.datetime):
            return parse_datetime(text if "T" in text else f"{text}T00:00:00Z")
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return text


def _compile_in(
    subject: Node, values: list[Node], context: FilterContext, negate: bool
) -> Evaluator:
    getter = _compile(subject, context)
    items = [_compile(value, context) for value in values]
    ci = context.case_insensitive

    def evaluate(record: Record) -> bool:
        value = getter(record)
        found = any(compare(value, item(record), "eq", ci) for item in items)
        return found != negate

    return evaluate


STRING_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": lambda a, b: b in a,
    "startswith": lambda a, b: a.startswith(b),
    "endswith": lambda a, b: a.endswith(b),
    "tolower": lambda a: a.lower(),
    "toupper": lambda a: a.upper(),
    "trim": lambda a: a.strip(),
    "length": lambda a: len(a),
    "substring": lambda a, start, length=None: (
        a[start:] if length is None else a[start : start + length]
    ),
}


def _compile_call(name: str, args: list[Any], context: FilterContext) -> Evaluator:
    short = name.rsplit(".", 1)[-1]
    if name.startswith("Microsoft.Dynamics.CRM."):
        return _compile_crm_function(short, dict(args), context)
    function = STRING_FUNCTIONS.get(name.lower())
    if function is None:
        raise ODataError(f"The function '{name}' is not supported.")
    compiled = [_compile(arg, context) for arg in args]
    lowered = context.case_insensitive and name.lower() in ("contains", "startswith", "endswith")
    return lambda record: _apply(function, [item(record) for item in compiled], lowered)


def _apply(function: Callable[..., Any], values: list[Any], lowered: bool) -> Any:
    if values and values[0] is None:
        return None if function not in (STRING_FUNCTIONS["contains"],) else False
    if lowered:
        values = [v.lower() if isinstance(v, str) else v for v in values]
    try:
        return function(*values)
    except (TypeError, AttributeError) as error:
        raise ODataError(f"Invalid argument in $filter function: {error}") from error


def _compile_crm_function(name: str, args: dict[str, Node], context: FilterContext) -> Evaluator:
    # protocols.md 3.3: Dataverse query functions take named PropertyName/PropertyValue(s).
    if "PropertyName" not in args:
        raise ODataError(f"Function {name} requires PropertyName.")
    subject = Node("prop", [args["PropertyName"].args[0]])
    values = args.get("PropertyValues", args.get("PropertyValue"))
    value_nodes = values.args if values is not None and values.op == "list" else [values]
    if name in ("In", "NotIn"):
        return _compile_in(subject, value_nodes, context, negate=name == "NotIn")
    if name in ("Between", "NotBetween") and len(value_nodes) == 2:
        low = Node("ge", [subject, _as_date_literal(value_nodes[0])])
        high = Node("le", [subject, _as_date_literal(value_nodes[1])])
        both = _compile(Node("and", [low, high]), context)
        return (lambda record: not both(record)) if name == "NotBetween" else both
    if name in ("OnOrAfter", "OnOrBefore", "On") and value_nodes[0] is not None:
        op = {"OnOrAfter": "ge", "OnOrBefore": "le", "On": "eq"}[name]
        return _compile_on(subject, value_nodes[0], op, context)
    raise ODataError(f"The function Microsoft.Dynamics.CRM.{name} is not supported by the sandbox.")


def _as_date_literal(node: Node) -> Node:
    value = node.args[0] if node.op == "lit" else None
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        try:
            return Node(
                "lit", [parse_datetime(value) if "T" in value else dt.date.fromisoformat(value)]
            )
        except ValueError:
            return node
    return node


def _compile_on(subject: Node, value: Node, op: str, context: FilterContext) -> Evaluator:
    getter = _compile(subject, context)
    day = _as_date_literal(value).args[0]
    day = day.date() if isinstance(day, dt.datetime) else day

    def evaluate(record: Record) -> bool:
        stored = getter(record)
        return stored is not None and compare(str(stored)[:10], day, op, False)

    return evaluate


@dataclass
class OrderBy:
    """One ``$orderby`` term."""

    getter: Getter
    descending: bool = False


def compile_orderby(text: str, getter: Callable[[str], Getter]) -> list[OrderBy]:
    """Parse ``$orderby=a asc,b desc``."""
    terms = []
    for part in split_top_level(text, ","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ODataError(f"Invalid $orderby term '{part}'.")
        terms.append(OrderBy(getter(words[0]), len(words) == 2 and words[1] == "desc"))
    return terms


def sort_records(
    records: list[Record], terms: list[OrderBy], case_insensitive: bool
) -> list[Record]:
    """Stable multi-key sort; nulls sort first in ascending order."""
    for term in reversed(terms):

        def key(r: Record, t: OrderBy = term) -> tuple:
            return _sort_key(t.getter(r), case_insensitive)

        records.sort(key=key, reverse=term.descending)
    return records


def _sort_key(value: Any, case_insensitive: bool) -> tuple:
    if value is None:
        return (0, 0, "")
    if isinstance(value, bool | int | float):
        return (1, float(value), "")
    text = str(value).lower() if case_insensitive else str(value)
    return (2, 0, text)


def split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses, brackets and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse_select(text: str | None) -> list[str] | None:
    """Column names of ``$select`` or None when absent."""
    if text is None:
        return None
    columns = _select_columns(text)
    return list(columns) if columns else None


@lru_cache(maxsize=256)  # each write of a $batch asks for the same columns back
def _select_columns(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(",") if c.strip())


@dataclass
class Expand:
    """One ``$expand`` item with its nested options."""

    name: str
    options: dict[str, str] = field(default_factory=dict)


def parse_expand(text: str | None) -> list[Expand]:
    """Parse ``$expand=nav($select=a,b;$filter=...;$top=n),other``."""
    if not text:
        return []
    items = []
    for part in split_top_level(text, ","):
        name, _, rest = part.partition("(")
        options: dict[str, str] = {}
        if rest:
            if not rest.endswith(")"):
                raise ODataError(f"Invalid $expand clause '{part}'.")
            for option in split_top_level(rest[:-1], ";"):
                key, _, value = option.partition("=")
                options[key.strip()] = value.strip()
        items.append(Expand(name.strip(), options))
    return items
