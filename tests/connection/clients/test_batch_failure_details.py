"""A failed operation of a $batch says which request failed and under which correlation id, so
the error row of that record can tell Microsoft support exactly what to look for."""

import uuid

from connection.clients import BatchOperation, BcOperation


def test_a_failed_business_central_batch_operation_names_its_request_and_correlation_id(
        business_central):
    missing = str(uuid.uuid4())
    created = business_central.create("customers", {"displayName": "Batch detail"})
    ok, failed = business_central.batch([
        BcOperation.update("customers", created["id"], {"phoneNumber": "555-0100"}, "*"),
        BcOperation.update("customers", missing, {"phoneNumber": "555-0101"}, "*")])
    assert ok.ok and not ok.request and not ok.correlation_id
    assert not failed.ok
    assert failed.request == f"PATCH customers({missing})"
    assert len(failed.correlation_id) == 36  # BC names it in its message


def test_a_failed_dataverse_batch_operation_names_its_request_and_correlation_id(dataverse):
    missing = str(uuid.uuid4())
    (failed,) = dataverse.batch([BatchOperation(
        "PATCH", f"accounts({missing})?$select=modifiedon", {"name": "Nobody"},
        {"If-Match": "*"})])
    assert not failed.ok
    assert failed.request == f"PATCH accounts({missing})"  # no query string
    uuid.UUID(failed.correlation_id)  # the service's, or the id the request carried
