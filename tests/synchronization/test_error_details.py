"""Every error row says where the failure happened: the service's code, the correlation id and
the failing request, whether the failure was a request that raised or one operation of a batch."""

from connection.clients.errors import BadRequest
from connection.clients.results import OperationResult
from synchronization.models import SyncError

CORRELATION = "0f5e2a8c-7b1d-4c9e-9a3f-2d6b8e1c4a70"


def test_a_failed_request_gives_its_code_correlation_id_and_address_without_the_query():
    error = BadRequest("The field is too long.", status=400, code="0x80044331",
                       correlation_id=CORRELATION, method="patch",
                       url="https://org.crm.dynamics.com/api/data/v9.2/accounts(1)?$select=name")
    assert SyncError.details_of(error) == {
        "error_code": "0x80044331", "correlation_id": CORRELATION,
        "request": "PATCH https://org.crm.dynamics.com/api/data/v9.2/accounts(1)"}


def test_a_failed_batch_operation_gives_what_its_response_said():
    result = OperationResult(index=0, status=404, error_code="0x80040217",
                             error_message="account Does Not Exist", correlation_id=CORRELATION,
                             request="PATCH accounts(2)")
    assert SyncError.details_of(result) == {"error_code": "0x80040217",
                                            "correlation_id": CORRELATION,
                                            "request": "PATCH accounts(2)"}


def test_a_problem_that_is_no_request_leaves_the_columns_blank():
    blank = {"error_code": "", "correlation_id": "", "request": ""}
    assert SyncError.details_of(ValueError("No write-in product is set up.")) == blank
    assert SyncError.details_of(None) == blank
