"""Indexes over one stored table, so a query touches the rows it returns instead of all of them.

A real service answers ``id eq X`` and watermark reads (``modifiedon gt T``) from database
indexes; without them the emulator scans 100k rows per request and becomes the bottleneck of a
benchmark. Indexes are built on first use and kept current by the store on every write, so
they always describe the table exactly.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Hashable, Iterable
from typing import Any

from sandbox.odata import parse_datetime

Record = dict[str, Any]

# Comparison -> (bisect function for the bound, True when the range lies above the bound).
_BOUNDS = {
    "gt": (bisect.bisect_right, True),
    "ge": (bisect.bisect_left, True),
    "lt": (bisect.bisect_left, False),
    "le": (bisect.bisect_right, False),
}


def instant(value: Any) -> dt.datetime | None:
    """``value`` as the aware datetime a ``$filter`` compares it as, or None when it never
    matches a comparison with a datetime (null, not a timestamp)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else None
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value if "T" in value else f"{value}T00:00:00Z")
    except ValueError:
        return None


class TimeIndex:
    """The ids of a table sorted by one timestamp field."""

    def __init__(self, field: str, rows: Iterable[tuple[str, Record]]) -> None:
        self.field = field
        self._instants: dict[str, dt.datetime] = {}
        for record_id, record in rows:
            moment = instant(record.get(field))
            if moment is not None:
                self._instants[record_id] = moment
        self._sorted = sorted((moment, key) for key, moment in self._instants.items())

    def put(self, record_id: str, record: Record) -> None:
        """Re-index one inserted or replaced row."""
        self.remove(record_id)
        moment = instant(record.get(self.field))
        if moment is not None:
            self._instants[record_id] = moment
            bisect.insort(self._sorted, (moment, record_id))

    def remove(self, record_id: str) -> None:
        """Forget one row."""
        moment = self._instants.pop(record_id, None)
        if moment is not None:
            del self._sorted[bisect.bisect_left(self._sorted, (moment, record_id))]

    def bounds(self, op: str, value: dt.datetime) -> tuple[int, int]:
        """The slice of the sorted rows that satisfy ``field <op> value``."""
        if op == "eq":
            return self.bounds("ge", value)[0], self.bounds("le", value)[1]
        search, above = _BOUNDS[op]
        position = search(self._sorted, value, key=_first)
        return (position, len(self._sorted)) if above else (0, position)

    def ids(self, start: int, stop: int) -> list[str]:
        """Ids of the rows in one slice of the sort order."""
        return [record_id for _, record_id in self._sorted[start:stop]]

    def full(self) -> tuple[int, int]:
        """The slice holding every indexed row."""
        return 0, len(self._sorted)


def _first(pair: tuple[dt.datetime, str]) -> dt.datetime:
    return pair[0]


class ValueIndex:
    """The ids of a table by the value of one field (alternate keys such as a number)."""

    def __init__(self, field: str, rows: Iterable[tuple[str, Record]]) -> None:
        self.field = field
        self._ids: dict[Hashable, set[str]] = {}
        self._values: dict[str, Hashable] = {}
        for record_id, record in rows:
            self.put(record_id, record)

    def put(self, record_id: str, record: Record) -> None:
        """Re-index one inserted or replaced row."""
        self.remove(record_id)
        value = record.get(self.field)
        if isinstance(value, Hashable):
            self._values[record_id] = value
            self._ids.setdefault(value, set()).add(record_id)

    def remove(self, record_id: str) -> None:
        """Forget one row."""
        if record_id in self._values:
            value = self._values.pop(record_id)
            self._ids[value].discard(record_id)
            if not self._ids[value]:
                del self._ids[value]

    def ids(self, value: Hashable) -> set[str]:
        """Ids of the rows whose field equals ``value``."""
        return self._ids.get(value, set())


class TableIndexes:
    """Row positions (the table's iteration order) and field indexes of one table."""

    def __init__(self, table: dict[str, Record]) -> None:
        self._table = table
        self.positions = {record_id: number for number, record_id in enumerate(table)}
        self._next = len(self.positions)
        self._times: dict[str, TimeIndex] = {}
        self._values: dict[str, ValueIndex] = {}

    def written(self, record_id: str, record: Record) -> None:
        """Keep up with ``table[record_id] = record``: a new id goes last, as in a dict."""
        if record_id not in self.positions:
            self.positions[record_id] = self._next
            self._next += 1
        indexes: list[TimeIndex | ValueIndex] = [*self._times.values(), *self._values.values()]
        for index in indexes:
            index.put(record_id, record)

    def removed(self, record_id: str) -> None:
        """Keep up with ``del table[record_id]``."""
        self.positions.pop(record_id, None)
        indexes: list[TimeIndex | ValueIndex] = [*self._times.values(), *self._values.values()]
        for index in indexes:
            index.remove(record_id)

    def by_time(self, field: str) -> TimeIndex:
        """The timestamp index of ``field``, built on first use."""
        if field not in self._times:
            self._times[field] = TimeIndex(field, self._table.items())
        return self._times[field]

    def by_value(self, field: str) -> ValueIndex:
        """The value index of ``field``, built on first use."""
        if field not in self._values:
            self._values[field] = ValueIndex(field, self._table.items())
        return self._values[field]

    def in_table_order(self, ids: Iterable[str]) -> list[Record]:
        """The stored rows of ``ids`` (unknown ones skipped) in the table's own order, so an
        indexed answer lists rows exactly as a scan of the table would."""
        present = {record_id for record_id in ids if record_id in self.positions}
        return [self._table[i] for i in sorted(present, key=self.positions.__getitem__)]
