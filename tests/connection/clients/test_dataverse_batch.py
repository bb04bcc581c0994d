"""Dataverse ``$batch`` through DataverseClient.batch against the sandbox."""

import uuid
import zlib

import pytest

from connection.clients import BatchOperation, dataverse_batch
from connection.clients.dataverse_batch import INDEPENDENT, BatchBody, json_text


def names(dataverse, *wanted):
    quoted = " or ".join(f"name eq '{name}'" for name in wanted)
    return sorted(r["name"] for r in dataverse.query("accounts", select=["name"], filter=quoted))


def test_a_failing_operation_does_not_stop_the_others(sandbox_clean, dataverse):
    chosen = str(uuid.uuid4())
    results = dataverse.batch([
        BatchOperation.create("accounts", {"name": "Batch A"}),
        BatchOperation.update("accounts", str(uuid.uuid4()), {"name": "missing"}),
        BatchOperation.upsert("accounts", chosen, {"name": "Batch C"}),
    ])
    assert [r.status for r in results] == [204, 404, 204]
    assert results[0].ok and results[0].id and not results[1].ok
    assert results[1].error_message and results[2].id == chosen
    assert names(dataverse, "Batch A", "Batch C") == ["Batch A", "Batch C"]
    assert sandbox_clean.counters()["dataverse"]["operations_by_method"]["PATCH"] >= 2


def test_an_atomic_change_set_rolls_back_when_one_operation_fails(dataverse):
    results = dataverse.batch([
        BatchOperation.create("accounts", {"name": "Atomic A"}),
        BatchOperation.update("accounts", str(uuid.uuid4()), {"name": "missing"}),
    ], atomic=True)
    assert not any(r.ok for r in results)
    assert results[0].rolled_back and "operation 2" in results[0].error_message
    assert results[1].status == 404 and not results[1].rolled_back
    assert names(dataverse, "Atomic A") == []


def test_an_atomic_change_set_can_refer_to_an_earlier_operation(dataverse):
    results = dataverse.batch([
        BatchOperation.create("accounts", {"name": "Parent"}),
        BatchOperation.create("contacts", {"lastname": "Child",
                                           "parentcustomerid_account@odata.bind": "$1"}),
    ], atomic=True)
    assert all(r.ok for r in results)
    contact = dataverse.get("contacts", results[1].id, select=["_parentcustomerid_value"])
    assert contact["_parentcustomerid_value"] == results[0].id


def test_stop_on_error_names_the_failure_and_reports_later_operations_as_not_run(dataverse):
    results = dataverse.batch([
        BatchOperation.create("accounts", {"name": "Stop A"}),
        BatchOperation.update("accounts", str(uuid.uuid4()), {"name": "missing"}),
        BatchOperation.create("accounts", {"name": "Stop C"}),
    ], continue_on_error=False)
    assert results[0].ok and results[0].unreported
    assert results[1].status == 404 and results[1].error_message
    assert results[2].status is None and not results[2].ok
    assert names(dataverse, "Stop A", "Stop C") == ["Stop A"]


def test_large_batches_are_split_into_several_requests(sandbox_clean, dataverse):
    operations = [BatchOperation.create("accounts", {"name": f"Split {n}"}) for n in range(5)]
    sandbox_clean.reset_counters()
    results = dataverse.batch(operations, batch_size=2)
    assert [r.index for r in results] == [0, 1, 2, 3, 4] and all(r.ok for r in results)
    assert sandbox_clean.counters()["dataverse"]["requests"] == 3


def test_an_atomic_batch_larger_than_one_request_is_refused(dataverse):
    operations = [BatchOperation.create("accounts", {"name": "x"})] * 3
    with pytest.raises(ValueError, match="at most 2"):
        dataverse.batch(operations, atomic=True, batch_size=2)


def test_an_upsert_or_update_asked_for_columns_answers_with_them_as_written(dataverse):
    chosen = str(uuid.uuid4())
    returning = ("modifiedon", "versionnumber")
    created, updated = dataverse.batch([
        BatchOperation.upsert("accounts", chosen, {"name": "Returning A"}, returning),
        BatchOperation.update("accounts", chosen, {"name": "Returning B"}, returning=returning),
    ])
    assert created.ok and updated.ok
    assert set(returning) <= set(created.body or {}) and set(returning) <= set(updated.body or {})
    assert int(updated.body["versionnumber"]) > int(created.body["versionnumber"])


def test_a_prepared_batch_keeps_its_addresses_not_its_operations_and_answers_as_a_batch(
        sandbox_clean, dataverse):
    ids = [str(uuid.uuid4()) for _ in range(2)]
    operations = [BatchOperation.upsert("accounts", id, json_text({"name": n}), ("modifiedon",))
                  for id, n in zip(ids, ("Ready A", "Ready B"), strict=True)]
    prepared = dataverse.prepare_batch(operations)
    assert prepared.requests() == [f"PATCH accounts({id})" for id in ids]
    assert prepared.headers["Prefer"] == "odata.continue-on-error" and prepared.idempotent
    sandbox_clean.reset_counters()
    results = dataverse.send_batch(prepared, offset=5)
    assert [r.index for r in results] == [5, 6] and all(r.ok for r in results)
    assert all(r.body and r.body["modifiedon"] for r in results)
    assert sandbox_clean.counters()["dataverse"]["requests"] == 1
    assert names(dataverse, "Ready A", "Ready B") == ["Ready A", "Ready B"]


def test_a_prepared_batch_holds_at_most_one_request(dataverse):
    with pytest.raises(ValueError, match="at most 1000"):
        dataverse.prepare_batch([BatchOperation.create("accounts", {"name": "x"})] * 1001)


def test_a_prepared_batch_is_held_packed_and_unpacks_whole_at_every_send():
    operations = [BatchOperation.upsert("accounts", str(uuid.uuid5(uuid.NAMESPACE_URL, str(n))),
                                        json_text({"name": f"Packed {n}", "address1_city":
                                                   "Seattle", "telephone1": "+1 425 555 0100"}))
                  for n in range(1000)]
    prepared = dataverse_batch.prepare(operations, "/api/data/v9.2", INDEPENDENT, True)
    body = prepared.body
    pieces = list(body)
    assert b"".join(pieces) == zlib.decompress(prepared.packed) == bytes(body)
    assert len(body) == prepared.size == sum(map(len, pieces))
    assert len(pieces) > 1 and max(map(len, pieces)) <= BatchBody.PIECE
    assert len(prepared.packed) < prepared.size / 5
    assert all(f'"name":"Packed {n}"'.encode() in bytes(body) for n in (0, 999))


def test_a_batch_refused_with_429_is_sent_again_whole(sandbox_clean, dataverse):
    sandbox_clean.settings(dataverse={"limits_enabled": True, "requests_per_window": 1,
                                      "window_seconds": 1})
    dataverse.whoami()  # spends the window: the batch is refused once, then sent again
    ids = [str(uuid.uuid4()) for _ in range(300)]
    results = dataverse.batch([BatchOperation.upsert("accounts", id, {"name": f"Again {n}"})
                               for n, id in enumerate(ids)])
    assert all(r.ok for r in results) and dataverse.counters().throttle_waits == 1
    assert sandbox_clean.counters()["dataverse"]["throttled"] == 1
    assert len(names(dataverse, *(f"Again {n}" for n in (0, 150, 299)))) == 3


def test_a_failed_operation_of_a_prepared_batch_names_its_request(dataverse):
    missing = str(uuid.uuid4())
    prepared = dataverse.prepare_batch([
        BatchOperation.create("accounts", {"name": "Named A"}),
        BatchOperation.update("accounts", missing, {"name": "Named B"})])
    assert not prepared.idempotent  # a create
    created, failed = dataverse.send_batch(prepared)
    assert created.ok and failed.status == 404
    assert failed.request == f"PATCH accounts({missing})"
