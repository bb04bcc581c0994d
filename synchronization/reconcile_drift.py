"""Drift: field values that differ between coupled records, judged as the engine judges them.

While both sides stream past, each coupled pair leaves only small digests behind: the body the
engine would write to Sales (BC -> Sales) with the key set it used, and the Business Central
record's current values under the keys a Sales -> BC run writes. When the Sales row comes by,
its values are digested the same way and compared. Digests that differ make a *candidate*; the
candidates are then fetched again and compared exactly with ``Transformer.changes`` (the
engine's own "unchanged" test), so a digest can only cost a read, never report a false drift.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from mappings.models import Direction, IntegrationTableMapping
from synchronization import rules
from synchronization.models import SyncDirection
from synchronization.sides import BcSide, SalesSide
from synchronization.transform import TransferError, Transformer

DIGEST = 4
SKIPPED = bytes(DIGEST)  # a key the Sales -> BC body did not carry: nothing to compare
SHOWN_VALUE = 120


def _normal(value: Any) -> str:
    """A text equal for two values exactly when ``transform._same`` would call them equal
    (or, rarely, different where it would not: the exact comparison settles those)."""
    if isinstance(value, str) and value.startswith("/") and value.endswith(")"):
        value = value.rsplit("(", 1)[1][:-1]
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return f"b{int(value)}"
    if isinstance(value, int | float) and not value:
        return "-"  # a blank amount reads as 0 (_zero_and_blank)
    if isinstance(value, int | float):
        return f"n{round(float(value), 9)!r}"
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return f"s{value.strip().lower()}"
    return f"{type(value).__name__}{value!r}"


def digest(value: Any) -> bytes:
    found = hashlib.blake2b(_normal(value).encode(), digest_size=DIGEST).digest()
    return found if found != SKIPPED else b"\0\0\0\1"


def _digest_all(values: list[Any]) -> bytes:
    return hashlib.blake2b("\x1f".join(map(_normal, values)).encode(), digest_size=8).digest()


@dataclass
class Way:
    """One direction of a mapping: its transformer and table rules."""

    transformer: Transformer
    table_rules: rules.TableRules

    def body(self, record: dict) -> dict[str, Any] | None:
        """What a run would write for ``record`` (None when it cannot be transferred)."""
        if self.table_rules.ignore(record):
            return None
        try:
            return self.table_rules.body_for(self.transformer.transform(record), record, False)
        except TransferError:
            return None


@dataclass
class DriftCheck:
    """Digests of coupled pairs while reading, candidates after, exact findings at the end."""

    mapping: IntegrationTableMapping
    bc: BcSide
    sales: SalesSide
    base_currency: str = ""
    to_sales: Way | None = None
    from_sales: Way | None = None
    key_sets: dict[tuple[str, ...], int] = field(default_factory=dict)
    pending: dict[str, tuple[int, bytes, bytes]] = field(default_factory=dict)
    candidates: list[tuple[str, str]] = field(default_factory=list)
    not_compared: int = 0

    def __post_init__(self) -> None:
        for direction in _directions(self.mapping):
            made = Way(Transformer(self.mapping, direction, self.bc, self.sales,
                                   self.base_currency),
                              rules.for_mapping(self.mapping, direction, self.bc, self.sales))
            if direction == SyncDirection.TO_SALES:
                self.to_sales = made
            else:
                self.from_sales = made
        self.from_keys = [rule.destination for rule in self.from_sales.transformer.rules] \
            if self.from_sales else []
        self._names = list(self.key_sets)

    # -- while reading -------------------------------------------------------------------
    def remember_bc(self, records: list[dict], partner: dict[str, str]) -> None:
        """Digest coupled BC records; ``partner`` gives the Sales id of each BC id."""
        if self.to_sales:
            self.to_sales.transformer.prepare(records)
        for record in records:
            sales_id = partner[self.bc.record_id(record)]
            key_set, to_digest = self._to_sales_digest(record)
            from_blob = b"".join(digest(record.get(k)) for k in self.from_keys)
            self.pending[sales_id] = (key_set, to_digest, from_blob)

    def _to_sales_digest(self, record: dict) -> tuple[int, bytes]:
        body = self.to_sales.body(record) if self.to_sales else None
        if body is None:
            return -1, b""
        keys = tuple(sorted(body))
        key_set = self.key_sets.setdefault(keys, len(self.key_sets))
        if key_set == len(self._names):
            self._names.append(keys)
        return key_set, _digest_all([body[k] for k in keys])

    def compare_sales(self, records: list[dict], partner: dict[str, str]) -> None:
        """Compare coupled Sales rows with what their BC records left; ``partner`` gives the
        BC id of each Sales id."""
        if self.from_sales:
            self.from_sales.transformer.prepare(records)
        for record in records:
            sales_id = self.sales.record_id(record)
            left = self.pending.pop(sales_id, None)
            if left is None:
                continue
            if self._differs(record, *left):
                self.candidates.append((partner[sales_id], sales_id))

    def _differs(self, record: dict, key_set: int, to_digest: bytes, from_blob: bytes) -> bool:
        compared = False
        if self.to_sales and key_set >= 0:
            compared = True
            names = [self.to_sales.transformer._current_name(k) for k in self._names[key_set]]
            if _digest_all([record.get(n) for n in names]) != to_digest:
                return True
        body = self.from_sales.body(record) if self.from_sales else None
        if body is not None:
            compared = True
            for index, key in enumerate(self.from_keys):
                if key in body and digest(body[key]) != \
                        from_blob[index * DIGEST:(index + 1) * DIGEST]:
                    return True
        if not compared:
            self.not_compared += 1
        return False

    # -- at the end ----------------------------------------------------------------------
    def confirm(self, limit: int) -> tuple[int, list[dict]]:
        """Compare the candidates exactly: (how many drifted, the first ``limit`` of them)."""
        drifted = 0
        shown: list[dict] = []
        for start in range(0, len(self.candidates), 500):
            chunk = self.candidates[start:start + 500]
            bc_rows = self.bc.fetch([b for b, _ in chunk])
            sales_rows = self.sales.fetch([s for _, s in chunk])
            for bc_id, sales_id in chunk:
                fields = self._exact(bc_rows.get(bc_id), sales_rows.get(sales_id))
                if fields:
                    drifted += 1
                    if len(shown) < limit:
                        shown.append({"bc_id": bc_id, "sales_id": sales_id, "fields": fields,
                                      "label": self.bc.label(bc_rows[bc_id])})
        return drifted, shown

    def _exact(self, bc_row: dict | None, sales_row: dict | None) -> list[dict]:
        """The fields that differ in every direction that maps them.

        A bidirectional field that one direction cannot carry (an option value with no code
        in Business Central) differs only one way: that is a missing option, not drift.
        """
        if bc_row is None or sales_row is None:
            return []  # gone meanwhile: the next check calls it dangling
        changed: dict[int, dict[str, dict]] = {}
        comparable = set()
        if self.to_sales and self._body(self.to_sales, bc_row) is not None:
            comparable.add("to_sales")
            for rule, key, value in self._changes(self.to_sales, bc_row, sales_row):
                current = sales_row.get(self.to_sales.transformer._current_name(key))
                changed.setdefault(rule.field_mapping.pk, {})["to_sales"] = _field(
                    key, "to_sales", value, current)
        if self.from_sales and self._body(self.from_sales, sales_row) is not None:
            comparable.add("from_sales")
            for rule, key, value in self._changes(self.from_sales, sales_row, bc_row):
                changed.setdefault(rule.field_mapping.pk, {})["from_sales"] = _field(
                    key, "from_sales", bc_row.get(key), value)
        return [next(iter(ways.values())) for pk, ways in changed.items()
                if set(ways) >= self._ways_of(pk) & comparable]

    def _body(self, way: Way, source: dict) -> dict | None:
        way.transformer.prepare([source])
        return way.body(source)

    def _changes(self, way: Way, source: dict, destination: dict):
        """(rule, key, new value) of each key the engine would write."""
        body = way.body(source) or {}
        for key, value in way.transformer.changes(body, destination).items():
            current = destination.get(way.transformer._current_name(key))
            rule = _rule_of(way.transformer, key)
            if rule is not None and not _zero_and_blank(value, current):
                yield rule, key, value

    def _ways_of(self, pk: int) -> set[str]:
        ways = set()
        for name, way in (("to_sales", self.to_sales), ("from_sales", self.from_sales)):
            if way and any(rule.field_mapping.pk == pk for rule in way.transformer.rules):
                ways.add(name)
        return ways


def _rule_of(transformer: Transformer, key: str):
    """The rule that wrote ``key`` (lookups write ``<navigation>@odata.bind``)."""
    for rule in transformer.rules:
        if key == rule.destination or (key.endswith("@odata.bind")
                                       and key.startswith(rule.destination)):
            return rule
    return None


def _zero_and_blank(new: Any, old: Any) -> bool:
    """A blank amount and 0 hold the same figure: a format, not drift."""
    values = {type(v) for v in (new, old) if v not in (None, "")}
    blanks = sum(1 for v in (new, old) if v in (None, ""))
    return blanks == 1 and values <= {int, float} and not (new or old)


def _field(key: str, direction: str, bc_value: Any, sales_value: Any) -> dict[str, str]:
    name = key.removesuffix("@odata.bind")
    return {"field": name, "direction": direction, "bc": _shown(bc_value),
            "sales": _shown(sales_value)}


def _shown(value: Any) -> str:
    if isinstance(value, str) and value.startswith("/") and value.endswith(")"):
        value = value.rsplit("(", 1)[1][:-1]
    return "" if value is None else str(value)[:SHOWN_VALUE]


def _directions(mapping: IntegrationTableMapping) -> list[str]:
    if mapping.direction == Direction.BIDIRECTIONAL:
        return [SyncDirection.TO_SALES, SyncDirection.FROM_SALES]
    return [mapping.direction]
