"""Wire formats built and read by the clients: query strings, ids, dates, batch bodies."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connection.clients import odata
from connection.clients.business_central import odata_datetime, odata_root
from connection.clients.dataverse_batch import BatchOperation, build_body, parse_body, results_for
from connection.clients.odata import entity_id_from, query_string, with_query


def test_query_strings_escape_spaces_as_percent_20_and_keep_odata_punctuation():
    text = query_string({"$select": ["name", "accountid"], "$filter": "name eq 'A&B +1'",
                         "$orderby": None})
    assert text == "$select=name,accountid&$filter=name%20eq%20'A%26B%20%2B1'"


def test_with_query_appends_to_an_existing_query():
    assert with_query("https://x/a?b=1", {"$top": 2}) == "https://x/a?b=1&$top=2"
    assert with_query("https://x/a", {}) == "https://x/a"


def test_filter_expressions_are_composed_by_the_clients_odata_helpers():
    when = datetime(2024, 5, 1, 8, 0, 0, 5000, tzinfo=UTC)
    ids = ["a1", "b2"]
    assert odata.all_of([odata.changed_after("modifiedon", when), "", None,
                         odata.any_equal("accountid", ids)]) == \
        "(modifiedon gt 2024-05-01T08:00:00.005Z) and (accountid eq a1 or accountid eq b2)"
    assert odata.all_of(["", None]) is None
    assert odata.not_equal("_modifiedby_value", "u1") == "_modifiedby_value ne u1"
    assert odata.between("SystemModifiedAt", "A", "B") == \
        "SystemModifiedAt ge A and SystemModifiedAt le B"
    assert odata.ascending("modifiedon") == "modifiedon asc"
    assert odata.bind("accounts", "a1") == "/accounts(a1)"


def test_entity_ids_are_read_from_odata_entity_id_urls():
    url = "https://x/api/data/v9.2/accounts(A1000000-0000-0000-0000-000000000003)"
    assert entity_id_from(url) == "a1000000-0000-0000-0000-000000000003"
    assert entity_id_from(None) == ""


def test_business_central_datetimes_are_utc_with_milliseconds():
    when = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert odata_datetime(when) == "2024-05-01T08:00:00.123Z"
    with pytest.raises(ValueError):
        odata_datetime(datetime(2024, 5, 1))


def test_the_odata_v4_root_sits_beside_the_api_base():
    base = "https://api.businesscentral.dynamics.com/v2.0/t1/production/api/v2.0"
    assert odata_root(base) == "https://api.businesscentral.dynamics.com/v2.0/t1/production/ODataV4"
    assert odata_root("https://nav:7048/bc/api/v2.0/") == "https://nav:7048/bc/ODataV4"
    with pytest.raises(ValueError):
        odata_root("https://nav:7048/bc/api/v1.0")


def test_an_atomic_batch_is_one_change_set_with_content_ids():
    operations = [BatchOperation.create("accounts", {"name": "A"}),
                  BatchOperation.update("accounts", "1", {"name": "B"})]
    content_type, body = build_body(operations, "/api/data/v9.2", "atomic")
    text = body.decode()
    boundary = content_type.split("boundary=")[1]
    assert text.startswith(f"--{boundary}\r\nContent-Type: multipart/mixed; boundary=changeset_")
    assert "Content-ID: 1\r\n\r\nPOST /api/data/v9.2/accounts HTTP/1.1\r\n" in text
    assert "PATCH /api/data/v9.2/accounts(1) HTTP/1.1\r\nIf-Match: *\r\n" in text
    assert text.endswith(f"--{boundary}--\r\n")


def test_a_stop_on_error_batch_puts_each_write_in_its_own_change_set():
    operations = [BatchOperation.create("accounts", {"name": "A"}),
                  BatchOperation("GET", "accounts(1)"),
                  BatchOperation.delete("accounts", "2")]
    _, body = build_body(operations, "/api/data/v9.2", "sequential")
    text = body.decode()
    assert text.count("boundary=changeset_") == 2
    assert "Content-ID: 2\r\n\r\nGET /api/data/v9.2/accounts(1) HTTP/1.1" in text
    assert "Content-ID: 3\r\n\r\nDELETE /api/data/v9.2/accounts(2) HTTP/1.1" in text


SAMPLE = (
    "--batchresponse_1\r\n"
    "Content-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n"
    "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary"
    "\r\nContent-ID: 1\r\n\r\nHTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\n"
    "OData-EntityId: https://x/api/data/v9.2/salesorders(90000000-0000-0000-0000-000000000001)"
    "\r\n\r\n\r\n--changesetresponse_2--\r\n"
    "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary"
    "\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n"
    '{"error":{"code":"0x80044331","message":"too long"}}\r\n'
    "--batchresponse_1--\r\n")


def test_batch_answers_are_flattened_and_matched_to_operations():
    responses = parse_body("multipart/mixed; boundary=batchresponse_1", SAMPLE.encode())
    assert [(r.status, r.content_id) for r in responses] == [(204, "1"), (400, "")]
    operations = [BatchOperation.create("salesorders", {}),
                  BatchOperation.create("accounts", {}),
                  BatchOperation.delete("accounts", "2")]
    results = results_for(len(operations), responses, offset=10, mode="independent")
    assert results[0].ok and results[0].id == "90000000-0000-0000-0000-000000000001"
    assert (results[1].status, results[1].error_code) == (400, "0x80044331")
    assert results[2].status is None and results[2].index == 12


def test_a_failure_in_a_change_set_marks_the_others_rolled_back():
    responses = parse_body("multipart/mixed; boundary=batchresponse_1", SAMPLE.encode())
    operations = [BatchOperation.create("salesorders", {}), BatchOperation.create("accounts", {})]
    results = results_for(len(operations), responses, offset=0, mode="atomic")
    assert results[0].rolled_back and not results[0].ok
    assert "operation 2" in results[0].error_message
    assert results[1].error_message == "too long"


def test_now_is_accepted_as_a_watermark():
    assert odata_datetime(datetime.now(UTC)).endswith("Z")
