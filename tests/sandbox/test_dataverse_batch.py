"""Dataverse ``$batch`` conformance (protocols.md 3.9, example 5.6)."""

from __future__ import annotations

import re

CRLF = "\r\n"


def _part(method: str, url: str, body: str = "", content_id: str | None = None) -> str:
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        head.append(f"Content-ID: {content_id}")
    inner = [f"{method} {url} HTTP/1.1", "Content-Type: application/json; type=entry", "", body]
    return CRLF.join([*head, "", *inner])


def _batch(change_set: list[str], singles: list[str]) -> str:
    lines = ["--batch_7d3e", 'Content-Type: multipart/mixed; boundary="changeset_91aa"', ""]
    for part in change_set:
        lines += ["--changeset_91aa", part]
    lines += ["--changeset_91aa--", ""]
    for part in singles:
        lines += ["--batch_7d3e", part]
    lines += ["--batch_7d3e--", ""]
    return CRLF.join(lines)


def _post(dataverse, body: str, continue_on_error: bool = False):
    headers = {"Content-Type": 'multipart/mixed; boundary="batch_7d3e"', "If-None-Match": "null"}
    if continue_on_error:
        headers["Prefer"] = "odata.continue-on-error"
    return dataverse.post("$batch", data=body.encode(), headers=headers)


def _account_id(dataverse, name: str) -> str:
    return dataverse.get(f"accounts?$select=name&$filter=name eq '{name}'").json()["value"][0][
        "accountid"
    ]


def _order_change_set(account_id: str, quantity: str = "2") -> list[str]:
    order = _part(
        "POST",
        "/api/data/v9.2/salesorders",
        f'{{"name":"SO from BC 101005","customerid_account@odata.bind":"/accounts({account_id})"}}',
        "1",
    )
    line = _part(
        "POST",
        "/api/data/v9.2/salesorderdetails",
        f'{{"salesorderid@odata.bind":"$1","isproductoverridden":true,'
        f'"productdescription":"Desk","quantity":{quantity},"priceperunit":10}}',
        "2",
    )
    return [order, line]


def test_change_set_with_content_id_reference_and_a_get(dataverse, sandbox_clean):
    account_id = _account_id(dataverse, "Adatum Corporation")
    get = _part("GET", f"/api/data/v9.2/accounts({account_id})?$select=name")
    response = _post(
        dataverse, _batch(_order_change_set(account_id), [get]), continue_on_error=True
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    text = response.text
    assert text.count("HTTP/1.1 204 No Content") == 2 and "HTTP/1.1 200 OK" in text
    assert "Content-ID: 1" in text and "changesetresponse_" in text
    order_id = re.search(r"salesorders\(([0-9a-f-]+)\)", text).group(1)
    lines = dataverse.get(
        f"salesorderdetails?$select=quantity&$filter=_salesorderid_value eq {order_id}"
    )
    assert [row["quantity"] for row in lines.json()["value"]] == [2]
    counters = sandbox_clean.counters()["dataverse"]
    assert (
        counters["by_entity"]["salesorders"] == 1
        and counters["by_entity"]["salesorderdetails"] == 2
    )


def test_a_failing_change_set_rolls_back_and_stops_the_batch(dataverse):
    account_id = _account_id(dataverse, "Trey Research")
    orders_before = len(dataverse.get("salesorders?$select=name").json()["value"])
    after = _part("POST", "/api/data/v9.2/accounts", '{"name":"after the failure"}')
    response = _post(dataverse, _batch(_order_change_set(account_id, quantity='"two"'), [after]))
    assert response.status_code == 400
    assert response.text.count("HTTP/1.1") == 1 and "HTTP/1.1 400" in response.text
    assert len(dataverse.get("salesorders?$select=name").json()["value"]) == orders_before
    assert (
        dataverse.get("accounts?$select=name&$filter=name eq 'after the failure'").json()["value"]
        == []
    )


def test_continue_on_error_runs_every_operation_and_reports_each_status(dataverse):
    good = _part("POST", "/api/data/v9.2/accounts", '{"name":"first"}')
    bad = _part("POST", "/api/data/v9.2/accounts", '{"name":"second","nosuchcolumn":1}')
    last = _part("POST", "/api/data/v9.2/accounts", '{"name":"third"}')
    body = CRLF.join(
        ["--batch_7d3e", good, "--batch_7d3e", bad, "--batch_7d3e", last, "--batch_7d3e--", ""]
    )
    response = _post(dataverse, body, continue_on_error=True)
    assert response.status_code == 200
    assert re.findall(r"HTTP/1.1 (\d+)", response.text) == ["204", "400", "204"]
    assert dataverse.get("accounts?$select=name&$filter=name eq 'third'").json()["value"]


def test_an_unknown_content_id_reference_is_a_400(dataverse):
    line = _part(
        "POST",
        "/api/data/v9.2/salesorderdetails",
        '{"salesorderid@odata.bind":"$9","quantity":1}',
        "1",
    )
    response = _post(dataverse, _batch([line], []))
    assert response.status_code == 400
    assert "Content-ID Reference: '$9' does not exist in the batch context." in response.text


def test_more_than_1000_operations_are_rejected(dataverse):
    part = _part("GET", "/api/data/v9.2/WhoAmI")
    body = CRLF.join(
        [x for _ in range(1001) for x in ("--batch_7d3e", part)] + ["--batch_7d3e--", ""]
    )
    assert _post(dataverse, body).status_code == 400


def test_a_long_batch_does_not_hold_off_other_requests(dataverse, business_central,
                                                        sandbox_clean):
    """A batch takes the store for a few operations at a time and lets a waiting request go
    first: a Business Central read is answered while a batch of a thousand writes runs."""
    import threading
    import uuid

    singles = [_part("PATCH", f"/api/data/v9.2/accounts({uuid.uuid4()})",
                     f'{{"name":"Batch account {n}","description":"{"x" * 2000}"}}')
               for n in range(1000)]
    sandbox_clean.reset_counters()
    batch = threading.Thread(target=lambda: _post(dataverse, _batch([], singles), True))
    batch.start()
    while (done := sandbox_clean.counters()["dataverse"]["operations"]) < 20:
        assert batch.is_alive() or done >= 20, "the batch ended before it could be watched"
    assert business_central.get("customers?$top=1").status_code == 200
    # Held off, the read would have been answered only once all 1,000 writes were done.
    done_at_read = sandbox_clean.counters()["dataverse"]["operations"]
    batch.join()
    assert done_at_read < 1000


def test_a_part_whose_address_holds_a_space_is_refused_not_cut_short(dataverse):
    """A request line is METHOD SP URL SP HTTP-version: an address with a space left in it is
    malformed (a client must encode it), never read up to the space."""
    spaced = _part("GET", "/api/data/v9.2/accounts?$select=name&$filter=name eq 'x'")
    encoded = _part("GET", "/api/data/v9.2/accounts?$select=name&$filter=name%20eq%20'x'")
    body = CRLF.join(["--batch_7d3e", spaced, "--batch_7d3e", encoded, "--batch_7d3e--", ""])
    response = _post(dataverse, body, continue_on_error=True)
    assert response.status_code == 400
    assert "Invalid request line" in response.text
