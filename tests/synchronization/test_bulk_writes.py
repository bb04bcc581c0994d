"""New Sales rows go as one UpsertMultiple request where the table takes it (its message filters
say so), are read back for what the couplings record, and a row the service refuses fails
alone. Against the sandbox, over HTTP; both systems read back."""

from __future__ import annotations

import uuid

from connection import sales_metadata, services
from synchronization.models import SyncDirection, SyncMode
from synchronization.sides import SalesSide
from synchronization.writes import Write
from tests.synchronization.engine_support import bc, couplings, full, mapping, run_now
from tests.synchronization.reconcile_support import assert_reconciles_clean
from tests.synchronization.test_faults_support import CUSTOMER_DEPENDENCIES, accounts, duplicated


def _side(connection) -> SalesSide:
    return SalesSide(mapping(connection, "CUSTOMER"), services.dataverse_client(connection))


def _new_rows(count: int, prefix: str) -> list[Write]:
    return [Write("insert", str(uuid.uuid4()), {"name": f"{prefix} {n:03d}"})
            for n in range(count)]


def test_the_metadata_says_which_bulk_messages_a_table_takes(synced_connection):
    client = services.dataverse_client(synced_connection)
    metadata = client.entity_metadata("account", fresh=True)
    assert metadata.bulk_messages == ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
    assert client.entity_metadata("systemuserroles", fresh=True).bulk_messages == ()


def test_new_rows_go_in_one_request_and_are_read_back_and_a_retry_makes_no_second(
        synced_connection, sandbox_clean):
    side = _side(synced_connection)
    writes = _new_rows(200, "Bulk row")
    sandbox_clean.reset_counters()

    outcomes = side.write(writes)

    assert [o.id for o in outcomes] == [w.id for w in writes]
    assert all(o.ok and o.etag and o.version and o.modified_on for o in outcomes)
    counters = sandbox_clean.counters()["dataverse"]
    # Two $batch requests, each an UpsertMultiple of a hundred new rows (a target counts as a
    # POST) and the read of those rows.
    assert counters["by_method"] == {"POST": 2}
    assert counters["operations_by_method"] == {"POST": 200, "GET": 2}
    rows = {i: r for i, r in accounts(sandbox_clean).items() if r["name"].startswith("Bulk row")}
    assert set(rows) == {w.id for w in writes}
    assert {o.etag for o in outcomes} == {f'W/"{r["versionnumber"]}"' for r in rows.values()}

    side.write(writes)  # sent again, as after a crash: the same rows, updated
    names = [r["name"] for r in accounts(sandbox_clean).values()]
    assert not duplicated(names) and sum(n.startswith("Bulk row") for n in names) == 200


def test_a_row_the_service_refuses_fails_alone(synced_connection, sandbox_clean):
    writes = _new_rows(100, "Partly")
    bad = writes[7] = Write("insert", writes[7].id, {"name": "Partly bad", "creditlimit": "x"})
    side = _side(synced_connection)
    sandbox_clean.reset_counters()

    outcomes = side.write(writes)

    failed = [o for o in outcomes if not o.ok]
    assert [o.id for o in failed] == [bad.id]
    assert "creditlimit" in failed[0].message
    counters = sandbox_clean.counters()["dataverse"]
    # The UpsertMultiple, refused whole (its read finds nothing), then every row as an
    # operation of its own (an upsert is a PATCH).
    assert counters["by_method"] == {"POST": 2}
    assert counters["operations_by_method"] == {"POST": 1, "GET": 1, "PATCH": 100}
    written = {i for i, r in accounts(sandbox_clean).items() if r["name"].startswith("Partly")}
    assert written == {w.id for w in writes} - {bad.id}


def test_a_table_without_the_message_is_written_in_a_batch(synced_connection, sandbox_clean):
    upsert = sandbox_clean.records("dataverse", "sdkmessage", name="UpsertMultiple")
    sandbox_clean.remove_records("dataverse", "sdkmessagefilter", primaryobjecttypecode="account",
                                 _sdkmessageid_value=upsert["records"][0]["sdkmessageid"])
    client = services.dataverse_client(synced_connection)
    sales_metadata.refresh(synced_connection, client)  # as Test Connection does
    side = _side(synced_connection)
    assert not side.bulk
    sandbox_clean.reset_counters()

    outcomes = side.write(_new_rows(100, "Batched"))

    assert all(o.ok and o.etag for o in outcomes)
    counters = sandbox_clean.counters()["dataverse"]
    assert counters["by_method"] == {"POST": 1}
    assert counters["operations_by_method"] == {"PATCH": 100}


def test_a_full_synchronization_through_bulk_requests_leaves_both_systems_right(
        synced_connection, sandbox_clean):
    sandbox_clean.reset(customers=300)
    for name in CUSTOMER_DEPENDENCIES:
        full(mapping(synced_connection, name))
    target = mapping(synced_connection, "CUSTOMER")
    sandbox_clean.reset_counters()

    (job,) = full(target, direction=SyncDirection.TO_SALES)

    assert job.inserted > 300
    assert sandbox_clean.counters()["dataverse"]["operations_by_method"]["POST"] >= 200
    assert_reconciles_clean("CUSTOMER")
    # The rows read back are the integration's own writes: nothing comes back from Sales, and
    # a change in BC goes out as an update conditional on the ETag read back.
    jobs = run_now(target, SyncMode.MODIFIED)
    assert all(j.inserted == j.modified == j.failed == 0 for j in jobs), jobs
    client = bc(synced_connection)
    coupled = couplings(target).order_by("-pk").first()
    customer = client.get("customers", str(coupled.bc_id))
    client.update("customers", customer["id"], {"displayName": "Renamed in BC"},
                  customer["@odata.etag"])
    jobs = run_now(target, SyncMode.MODIFIED)
    assert [(j.modified, j.failed) for j in jobs] == [(1, 0), (0, 0)], jobs
    assert "Renamed in BC" in {r["name"] for r in accounts(sandbox_clean).values()}
    assert_reconciles_clean("CUSTOMER")
