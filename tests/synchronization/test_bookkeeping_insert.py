"""The couplings the bookkeeping builds and inserts without the ORM's per-row machinery
(synchronization.bookkeeping_insert) are those the ORM would build and insert."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connection.models import ConnectionSetup
from mappings.defaults import apply_default_setup
from mappings.models import Coupling
from synchronization.bookkeeping_insert import insert_couplings, new_coupling

VALUES = {"bc_id": "2f0ad7c4-5f2e-4d2a-9f66-1b7b2f0c1a01",
          "sales_id": "9a1d3c5e-0b2f-4e6a-8c7d-3e4f5a6b7c81", "bc_number": "10000",
          "display_name": "Adatum"}


class Mapping:
    pk = 7


def test_a_new_coupling_holds_what_the_model_constructor_gives_it():
    built, expected = new_coupling(Mapping(), **VALUES), Coupling(mapping_id=7, **VALUES)
    state = {k: v for k, v in built.__dict__.items() if k not in ("_state", "created_at")}
    assert state == {k: v for k, v in expected.__dict__.items()
                     if k not in ("_state", "created_at")}
    assert built.created_at is not None and built._state.adding
    assert built.mapping is not None  # from the cache, no query


@pytest.mark.django_db
def test_inserted_couplings_read_back_as_built():
    mapping = next(m for m in apply_default_setup(ConnectionSetup.objects.create(name="CRONUS"))
                   if m.name == "CUSTOMER")
    stamp = datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    insert_couplings([new_coupling(mapping, **VALUES, bc_modified_on=stamp,
                                   sales_modified_on=None)])
    row = Coupling.objects.get(mapping=mapping)
    assert row.bc_modified_on == stamp and row.sales_modified_on is None
    assert (str(row.bc_id), str(row.sales_id), row.bc_number, row.display_name) == tuple(
        VALUES.values())
    assert row.last_result == Coupling().last_result and not row.skipped


@pytest.mark.django_db
def test_couplings_that_share_a_time_or_a_fingerprint_each_read_back_as_built():
    mapping = next(m for m in apply_default_setup(ConnectionSetup.objects.create(name="CRONUS"))
                   if m.name == "CUSTOMER")
    same = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
    other = datetime(2026, 3, 1, 11, 30, 15, tzinfo=timezone(timedelta(hours=2)))  # same instant
    later = same + timedelta(seconds=1)
    stamps = [same, other, later]
    insert_couplings([new_coupling(mapping, bc_id=f"2f0ad7c4-5f2e-4d2a-9f66-1b7b2f0c1a0{n}",
                                   sales_id=f"9a1d3c5e-0b2f-4e6a-8c7d-3e4f5a6b7c8{n}",
                                   bc_modified_on=stamp, sales_modified_on=later,
                                   sales_fingerprint="ab12" if n else "")
                      for n, stamp in enumerate(stamps)])
    rows = Coupling.objects.filter(mapping=mapping).order_by("bc_id")
    assert [r.bc_modified_on for r in rows] == stamps
    assert [r.sales_modified_on for r in rows] == [later] * 3
    assert [r.sales_fingerprint for r in rows] == ["", "ab12", "ab12"]
