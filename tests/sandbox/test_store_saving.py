"""The store saves what was written when the hold of its lock ends: a store opened again on the
same file has every record, counter and table order as the one that wrote them, rolled back
change sets included."""

from __future__ import annotations

import contextlib
import sqlite3

from sandbox.store import Store

BC = "business_central"


def _reopened(store: Store, path) -> Store:
    store.close()
    return Store(path)


def _tables(store: Store) -> dict:
    return {entity: list(store.table(BC, entity).items()) for entity in ("customers", "items")}


def test_what_a_hold_wrote_is_in_the_file_when_the_hold_ends(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    store = Store(path)
    with store.lock:
        store.put(BC, "customers", "a", {"id": "a", "name": "first"})
        store.next_value("numbers")
        with store.lock:  # nested: saved with the outermost hold, not before
            store.put(BC, "customers", "b", {"id": "b"})
        assert sqlite3.connect(path).execute("SELECT count(*) FROM records").fetchone() == (0,)
    saved = sqlite3.connect(path)
    assert saved.execute("SELECT id FROM records ORDER BY rowid").fetchall() == [("a",), ("b",)]
    assert saved.execute("SELECT value FROM meta WHERE key = 'numbers'").fetchone() == ("1",)
    store.close()


def test_a_reopened_store_has_the_same_records_counters_and_order(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    store = Store(path)
    for name in "abcde":
        store.put(BC, "customers", name, {"id": name, "version": 1})
    store.put(BC, "items", "x", {"id": "x"})
    with store.lock:
        store.put(BC, "customers", "b", {"id": "b", "version": 2})  # replaced in place
        store.delete(BC, "customers", "a")
        store.put(BC, "customers", "a", {"id": "a", "version": 3})  # added again: goes last
        store.delete(BC, "customers", "c")
        store.put(BC, "customers", "f", {"id": "f"})
        store.next_value("dataverse_version", 1000)
        store.next_value("dataverse_version", 1000)
    with contextlib.suppress(RuntimeError), store.transaction():
        store.delete(BC, "customers", "d")
        store.put(BC, "customers", "e", {"id": "e", "version": 9})
        store.put(BC, "customers", "g", {"id": "g"})
        raise RuntimeError("roll back")
    expected = _tables(store)
    # A rolled back delete puts the row back last, in memory as in the file.
    assert [key for key, _ in expected["customers"]] == ["b", "e", "a", "f", "d"]

    again = _reopened(store, path)
    assert _tables(again) == expected
    assert again.next_value("dataverse_version", 1000) == 1002
    again.close()


def test_rows_an_earlier_version_stored_as_json_text_are_still_read(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    Store(path).close()  # creates the tables
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO records VALUES (?, ?, ?, ?)",
                    (BC, "customers", "a", '{"id": "a", "name": "Adatum"}'))
    store = Store(path)
    assert store.get(BC, "customers", "a") == {"id": "a", "name": "Adatum"}
    store.put(BC, "customers", "b", {"id": "b", "balance": 1.5, "blocked": None})
    again = _reopened(store, path)
    assert again.get(BC, "customers", "b") == {"id": "b", "balance": 1.5, "blocked": None}
    again.close()
