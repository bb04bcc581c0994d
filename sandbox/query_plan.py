"""Which rows of a stored table a ``$filter`` can match, found through the table's indexes.

The planner looks at the top-level ``and`` terms of a filter for one it can answer from an
index: a chain of ``<key> eq <value>`` joined by ``or`` (how a client fetches records 50 ids at
a time), or comparisons of the watermark field with a timestamp (``modifiedon gt T``). Only the
rows found are then tested against the whole filter, so the answer is exactly the one a scan
gives, in the table's order, at a cost that follows the rows returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sandbox.indexes import TableIndexes
from sandbox.odata import Node, Record
from sandbox.store import Store

RANGE_OPERATORS = ("gt", "ge", "lt", "le", "eq")
_FLIPPED = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge", "eq": "eq"}


@dataclass(frozen=True)
class TableSource:
    """A whole stored table as the rows of a collection, so a filter may use its indexes.

    ``key`` is the filter property holding the table's own key; ``modified`` maps the filter
    property of the watermark to the stored field it reads; ``view`` turns a stored record into
    the row a query sees (the BC Customer card is a view over customers).
    """

    store: Store
    service: str
    entity: str
    key: str
    modified: dict[str, str] = field(default_factory=dict)
    view: Callable[[Record], Any] | None = None

    def rows(self) -> Sequence[Any]:
        """Every row, in the table's order; views are made only for the rows read."""
        with self.store.lock:
            records = list(self.store.table(self.service, self.entity).values())
        return ViewedRows(records, self.view) if self.view else records

    def candidates(self, tree: Node, case_insensitive: bool) -> Planned | None:
        """The rows that may match ``tree`` in table order, or None when a scan is needed."""
        with self.store.lock:
            indexes = self.store.indexes(self.service, self.entity)
            ids = self._planned_ids(_conjuncts(tree), indexes, case_insensitive)
            if ids is None:
                return None
            found = indexes.in_table_order(ids)
        rows = [self.view(record) for record in found] if self.view else found
        return Planned(rows, exact=key_values(tree, self.key) is not None)

    def _planned_ids(self, terms: list[Node], indexes: TableIndexes,
                     case_insensitive: bool) -> list[str] | None:
        for term in terms:
            keys = key_values(term, self.key)
            if keys is not None:
                return [key.lower() for key in keys] if case_insensitive else keys
        return self._range_ids(terms, indexes)

    def _range_ids(self, terms: list[Node], indexes: TableIndexes) -> list[str] | None:
        best: list[str] | None = None
        for prop, stored in self.modified.items():
            ranges = [bound for term in terms if (bound := time_bound(term, prop)) is not None]
            if not ranges:
                continue
            index = indexes.by_time(stored)
            start, stop = index.full()
            for op, value in ranges:  # `ge A and le B` on one field: the slice between them
                low, high = index.bounds(op, value)
                start, stop = max(start, low), min(stop, high)
            if best is None or stop - start < len(best):
                best = index.ids(start, stop)
        return best


@dataclass(frozen=True)
class Planned:
    """The rows an index found for a filter; ``exact`` when they are its whole answer (the
    filter is nothing but a chain of keys, as when a client reads records a hundred ids at a
    time: testing each row against a hundred terms again cost more than the rest of the read)."""

    rows: list[Any]
    exact: bool


class ViewedRows(Sequence[Any]):
    """Stored records seen through a view, converted one by one as they are read, so a page
    of 20,000 rows out of 100,000 converts 20,000."""

    def __init__(self, records: list[Record], view: Callable[[Record], Any]) -> None:
        self._records, self._view = records, view

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._view(record) for record in self._records[index]]
        return self._view(self._records[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self._view, self._records)


def _conjuncts(node: Node) -> list[Node]:
    if node.op == "and":
        return [part for arg in node.args for part in _conjuncts(arg)]
    return [node]


def key_values(node: Node, key: str) -> list[str] | None:
    """The values of ``key eq 'a' or key eq 'b' ...`` (or ``key in (...)``), else None."""
    if node.op == "or":
        left, right = (key_values(arg, key) for arg in node.args)
        return None if left is None or right is None else left + right
    if node.op == "eq":
        value = _property_literal(node.args, key)
        return [value] if isinstance(value, str) else None
    if node.op == "in" and _is_property(node.args[0], key):
        values = [item.args[0] if item.op == "lit" else None for item in node.args[1].args]
        strings = all(isinstance(value, str) for value in values)
        return cast(list[str], values) if strings else None
    return None


def time_bound(node: Node, prop: str) -> tuple[str, dt.datetime] | None:
    """``(op, instant)`` of ``prop <op> <datetime>`` (either side), else None."""
    if node.op not in RANGE_OPERATORS:
        return None
    left, right = node.args
    if _is_property(left, prop) and _is_datetime(right):
        return node.op, right.args[0]
    if _is_property(right, prop) and _is_datetime(left):
        return _FLIPPED[node.op], left.args[0]
    return None


def _property_literal(args: list[Node], prop: str) -> Any:
    left, right = args
    if _is_property(left, prop) and right.op == "lit":
        return right.args[0]
    if _is_property(right, prop) and left.op == "lit":
        return left.args[0]
    return None


def _is_property(node: Any, prop: str) -> bool:
    return isinstance(node, Node) and node.op == "prop" and node.args[0] == prop


def _is_datetime(node: Any) -> bool:
    return isinstance(node, Node) and node.op == "lit" and isinstance(node.args[0], dt.datetime)
