"""Record storage: every table in memory for fast queries, written through to sqlite.

One sqlite file per data directory holds all services' records as JSON rows, so the sandbox
keeps its state across restarts without touching the portal's database. ``transaction()``
gives the all-or-nothing behaviour of Dataverse change sets and BC ``Isolation: snapshot``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.indexes import TableIndexes

Record = dict[str, Any]
TableKey = tuple[str, str]

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    service TEXT NOT NULL, entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (service, entity, id));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StoreLock:
    """The store's re-entrant lock, with single requests first.

    The HTTP server is threaded and one process serves both services. A ``$batch`` takes the
    lock for a run of its operations at a time (:meth:`batch_turn`) and, before each run, lets
    every request already waiting for the lock go first. Without that, a read of Business
    Central (another service, on other servers) queued behind fifty batches of Dataverse writes
    and waited seconds for what takes milliseconds.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._count_lock = threading.Lock()
        self._waiting = 0
        self._none_waiting = threading.Event()
        self._none_waiting.set()

    def __enter__(self) -> StoreLock:
        if self._lock.acquire(blocking=False):  # free, or held by this thread already
            return self
        with self._count_lock:
            self._waiting += 1
            self._none_waiting.clear()
        try:
            self._lock.acquire()
        finally:
            with self._count_lock:
                self._waiting -= 1
                if not self._waiting:
                    self._none_waiting.set()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()

    @contextmanager
    def batch_turn(self) -> Iterator[None]:
        """Hold the lock once no other request waits for it."""
        self._none_waiting.wait()
        with self._lock:
            yield


class Store:
    """Tables of records keyed by ``(service, entity)`` and then by record id.

    All access goes through ``lock`` (a :class:`StoreLock`): the HTTP server is threaded.
    """

    def __init__(self, path: Path) -> None:
        self.lock = StoreLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;" + SCHEMA)
        self._tables: dict[TableKey, dict[str, Record]] = {}
        self._meta: dict[str, str] = dict(self._db.execute("SELECT key, value FROM meta"))
        self._undo: list[tuple[TableKey, str, Record | None]] | None = None
        self._indexes: dict[TableKey, TableIndexes] = {}
        # Writes per table, and loads of the whole store: what a cached query result was
        # computed from (``version``).
        self._changes: Counter[TableKey] = Counter()
        self._loads = 0
        self._load()

    def _load(self) -> None:
        rows = self._db.execute("SELECT service, entity, id, data FROM records ORDER BY rowid")
        for service, entity, record_id, data in rows:
            self.table(service, entity)[record_id] = json.loads(data)

    @property
    def is_empty(self) -> bool:
        """True when nothing was ever seeded into this data directory."""
        return not self._tables and "seeded" not in self._meta

    def table(self, service: str, entity: str) -> dict[str, Record]:
        """The live mapping id -> record of one table (hold ``lock`` while using it)."""
        return self._tables.setdefault((service, entity), {})

    def indexes(self, service: str, entity: str) -> TableIndexes:
        """The indexes of one table (hold ``lock`` while using them); writes keep them current."""
        key = (service, entity)
        if key not in self._indexes:
            self._indexes[key] = TableIndexes(self.table(service, entity))
        return self._indexes[key]

    def version(self, service: str, entity: str) -> tuple[int, int]:
        """Changes whenever a record of the table is written or removed (hold ``lock``): a
        query result computed at one version is the result at that version."""
        return self._loads, self._changes[(service, entity)]

    def _set(self, key: TableKey, record_id: str, record: Record) -> None:
        self._changes[key] += 1
        self._tables.setdefault(key, {})[record_id] = record
        if key in self._indexes:
            self._indexes[key].written(record_id, record)

    def _pop(self, key: TableKey, record_id: str) -> Record | None:
        self._changes[key] += 1
        record = self._tables.get(key, {}).pop(record_id, None)
        if key in self._indexes:
            self._indexes[key].removed(record_id)
        return record

    def get(self, service: str, entity: str, record_id: str) -> Record | None:
        """The stored record or None."""
        return self._tables.get((service, entity), {}).get(record_id)

    def put(self, service: str, entity: str, record_id: str, record: Record) -> None:
        """Insert or replace one record."""
        with self.lock:
            self._remember(service, entity, record_id, self.get(service, entity, record_id))
            self._set((service, entity), record_id, record)
            self._db.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT (service, entity, id) "
                "DO UPDATE SET data = excluded.data",
                (service, entity, record_id, json.dumps(record)),
            )

    def delete(self, service: str, entity: str, record_id: str) -> None:
        """Remove one record if present."""
        with self.lock:
            if record_id in self.table(service, entity):
                self._remember(service, entity, record_id, self._pop((service, entity), record_id))
                self._db.execute(
                    "DELETE FROM records WHERE service = ? AND entity = ? AND id = ?",
                    (service, entity, record_id),
                )

    def _remember(self, service: str, entity: str, record_id: str, old: Record | None) -> None:
        if self._undo is not None:
            self._undo.append(((service, entity), record_id, old))

    def next_value(self, counter: str, start: int = 1) -> int:
        """Increment and return a persistent counter (row versions, number series)."""
        with self.lock:
            value = int(self._meta.get(counter, start - 1)) + 1
            self.set_meta(counter, str(value))
            return value

    def meta(self, key: str, default: str | None = None) -> str | None:
        """A stored string value."""
        return self._meta.get(key, default)

    def set_meta(self, key: str, value: str) -> None:
        """Store a string value."""
        with self.lock:
            self._meta[key] = value
            self._db.execute(
                "INSERT INTO meta VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block all-or-nothing; nested calls join the outer transaction."""
        with self.lock:
            if self._undo is not None:
                yield
                return
            self._undo = []
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                self._restore(self._undo)
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._undo = None

    def _restore(self, undo: list[tuple[TableKey, str, Record | None]]) -> None:
        for key, record_id, old in reversed(undo):
            if old is None:
                self._pop(key, record_id)
            else:
                self._set(key, record_id, old)

    def replace_all(self, tables: dict[TableKey, Iterable[tuple[str, Record]]]) -> None:
        """Drop every record and counter, then bulk-load ``tables`` (used by the demo seeder)."""
        with self.lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM records")
            self._db.execute("DELETE FROM meta")
            self._tables, self._meta, self._indexes = {}, {}, {}
            self._loads += 1
            for (service, entity), rows in tables.items():
                self._bulk_insert(service, entity, rows)
            self._db.execute("COMMIT")
            self.set_meta("seeded", "1")

    def _bulk_insert(self, service: str, entity: str, rows: Iterable[tuple[str, Record]]) -> None:
        table = self.table(service, entity)
        params = []
        for record_id, record in rows:
            table[record_id] = record
            params.append((service, entity, record_id, json.dumps(record)))
        self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", params)

    def close(self) -> None:
        """Close the sqlite connection."""
        with self.lock:
            self._db.close()
