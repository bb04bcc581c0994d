"""Record storage: every table in memory for fast queries, saved to sqlite as each hold of the
store's lock ends.

One sqlite file per data directory holds all services' records, one row each, so the sandbox
keeps its state across restarts without touching the portal's database. A record is stored
pickled: writing one out was a tenth of the sandbox's time as JSON, and pickle takes a fifth
of that. The file is the sandbox's own, in its own data directory, which only the user who runs
it writes. Rows stored as JSON text by earlier versions are still read. ``transaction()``
gives the all-or-nothing behaviour of Dataverse change sets and BC ``Isolation: snapshot``.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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

    def __init__(self, on_release: Callable[[], None] = lambda: None) -> None:
        self._lock = threading.RLock()
        self._count_lock = threading.Lock()
        self._waiting = 0
        self._none_waiting = threading.Event()
        self._none_waiting.set()
        # How deep the holder is (only the holder changes it), and what runs, still holding
        # the lock, when its outermost hold ends.
        self._depth = 0
        self._on_release = on_release

    def __enter__(self) -> StoreLock:
        if not self._lock.acquire(blocking=False):  # neither free nor held by this thread
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
        self._depth += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._depth == 1:
                self._on_release()
        finally:
            self._depth -= 1
            self._lock.release()

    @contextmanager
    def batch_turn(self) -> Iterator[None]:
        """Hold the lock once no other request waits for it."""
        self._none_waiting.wait()
        self._lock.acquire()
        self._depth += 1
        try:
            yield
        finally:
            self.__exit__()


class Store:
    """Tables of records keyed by ``(service, entity)`` and then by record id.

    All access goes through ``lock`` (a :class:`StoreLock`): the HTTP server is threaded.
    """

    def __init__(self, path: Path) -> None:
        self.lock = StoreLock(on_release=self._flush)
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
        # Written since the lock was last released, in the order they were first written (a
        # deleted or newly added id moved last): each with whether it was deleted meanwhile.
        self._dirty: dict[tuple[str, str, str], bool] = {}
        self._dirty_meta: set[str] = set()
        self._load()

    def _load(self) -> None:
        rows = self._db.execute("SELECT service, entity, id, data FROM records ORDER BY rowid")
        for service, entity, record_id, data in rows:
            self.table(service, entity)[record_id] = _loaded(data)

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
            old = self.get(service, entity, record_id)
            self._remember(service, entity, record_id, old)
            self._set((service, entity), record_id, record)
            self._written((service, entity, record_id), moved=old is None, deleted=False)

    def delete(self, service: str, entity: str, record_id: str) -> None:
        """Remove one record if present."""
        with self.lock:
            if record_id in self.table(service, entity):
                self._remember(service, entity, record_id, self._pop((service, entity), record_id))
                self._written((service, entity, record_id), moved=True, deleted=True)

    def _written(self, key: tuple[str, str, str], moved: bool, deleted: bool) -> None:
        """Note a record to save when the lock is released; a new id goes last, as in its
        table, so that its row is added after the others."""
        was_deleted = self._dirty.pop(key, False) if moved else self._dirty.get(key, False)
        self._dirty[key] = was_deleted or deleted

    def _flush(self) -> None:
        """Save what was written during the hold now ending, in one sqlite transaction.

        Written through at the end of each hold, not at each write: a ``$batch`` writes a few
        dozen records per hold, and a transaction of its own for each record (and for the row
        version counter) was a tenth of the sandbox's time. Each record is saved as it is now,
        so a rolled back change set saves the restored rows. The answer goes out after the
        hold, so whatever was answered is saved.
        """
        if not self._dirty and not self._dirty_meta:
            return
        gone, rows = [], []
        for (service, entity, record_id), deleted in self._dirty.items():
            record = self.get(service, entity, record_id)
            if record is None or deleted:  # a deleted id added again gets a new, last row
                gone.append((service, entity, record_id))
            if record is not None:
                rows.append((service, entity, record_id, _dumped(record)))
        meta = [(key, self._meta[key]) for key in self._dirty_meta if key in self._meta]
        self._dirty, self._dirty_meta = {}, set()
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "DELETE FROM records WHERE service = ? AND entity = ? AND id = ?", gone)
            self._db.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT (service, entity, id) "
                "DO UPDATE SET data = excluded.data", rows)
            self._db.executemany(
                "INSERT INTO meta VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", meta)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

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
            self._dirty_meta.add(key)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block all-or-nothing; nested calls join the outer transaction."""
        with self.lock:
            if self._undo is not None:
                yield
                return
            self._undo = []
            try:
                yield
            except BaseException:
                self._restore(self._undo)
                raise
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
            self._dirty, self._dirty_meta = {}, set()
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
            params.append((service, entity, record_id, _dumped(record)))
        self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", params)

    def close(self) -> None:
        """Close the sqlite connection (once what was written is saved)."""
        with self.lock:
            self._flush()
            self._db.close()


def _dumped(record: Record) -> bytes:
    return pickle.dumps(record, protocol=5)


def _loaded(data: bytes | str) -> Record:
    return pickle.loads(data) if isinstance(data, bytes) else json.loads(data)
