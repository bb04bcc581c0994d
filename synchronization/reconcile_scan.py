"""One side of a mapping read for the reconciliation check, keeping per record only its id and
the hash of its match key (whole records never stay in memory: pages stream past)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from synchronization.match_fields import MatchKey

Page = list[dict]


@dataclass
class SideScan:
    """What one side holds within the mapping's filters."""

    key: str  # "bc" | "sales"
    ids: dict[str, int | None] = field(default_factory=dict)  # id -> hash of its match key
    by_key: dict[int, str | list[str]] = field(default_factory=dict)
    blank: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ids)

    def read(self, pages: Iterable[Page], side: Any, match_key: MatchKey,
             is_blank: Callable[[dict], bool], on_page: Callable[[Page], None]) -> None:
        """Stream the pages; ``on_page`` sees each page before it is dropped."""
        for page in pages:
            for record in page:
                record_id = side.record_id(record)
                if not record_id:
                    continue
                key = match_key.of(record, self.key)
                self._add(record_id, hash(key) if key is not None else None)
                if is_blank(record):
                    self.blank.append(record_id)
            on_page(page)

    def _add(self, record_id: str, key: int | None) -> None:
        self.ids[record_id] = key
        if key is None:
            return
        found = self.by_key.get(key)
        if found is None:
            self.by_key[key] = record_id
        elif isinstance(found, str):
            self.by_key[key] = [found, record_id]
        else:
            found.append(record_id)

    def with_key(self, key: int | None) -> list[str]:
        """Ids of the records with this match key."""
        found = self.by_key.get(key) if key is not None else None
        if found is None:
            return []
        return [found] if isinstance(found, str) else found

    def duplicate_groups(self) -> list[list[str]]:
        return [ids for ids in self.by_key.values() if isinstance(ids, list)]
