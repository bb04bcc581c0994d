"""Business Central API v2.0 conformance (protocols.md 4, examples 5.7, 5.8, 5.10)."""

from __future__ import annotations

import re


def _customer(business_central, number: str) -> dict:
    rows = business_central.get(f"customers?$filter=number eq '{number}'").json()["value"]
    return rows[0]


def test_customers_changed_since_a_watermark_page_with_next_links(business_central):
    url = (
        "customers?$filter=lastModifiedDateTime gt 2024-04-01T00:00:00Z"
        "&$select=id,number,displayName,email,lastModifiedDateTime"
    )
    seen, pages = [], 0
    while url:
        body = business_central.get(url, headers={"Prefer": "odata.maxpagesize=2"}).json()
        assert body["@odata.context"].endswith(
            "/customers(id,number,displayName,email,lastModifiedDateTime)"
        )
        seen += body["value"]
        url, pages = body.get("@odata.nextLink"), pages + 1
    assert pages == 5 and len(seen) == 10
    assert seen[0]["displayName"] == "Adatum Corporation"
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["lastModifiedDateTime"])
        for r in seen
    )
    assert all(r["@odata.etag"].startswith('W/"') for r in seen)
    later = business_central.get(
        f"customers?$filter=lastModifiedDateTime gt {seen[4]['lastModifiedDateTime']}"
    )
    assert len(later.json()["value"]) == 5


def test_create_returns_201_with_server_assigned_id_number_and_defaults(business_central):
    terms = business_central.get("paymentTerms?$filter=code eq 'NET 30'").json()["value"][0]
    response = business_central.post(
        "customers",
        json={
            "displayName": "Sandbox Corporation",
            "type": "Company",
            "addressLine1": "192 Market Square",
            "city": "Atlanta",
            "state": "GA",
            "country": "US",
            "postalCode": "31772",
            "email": "robert.townes@contoso.com",
            "currencyCode": "EUR",
            "paymentTermsId": terms["id"],
            "blocked": " ",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"[0-9a-f-]{36}", body["id"]) and body["number"].startswith("C")
    assert body["currencyId"] != "00000000-0000-0000-0000-000000000000"
    assert body["balanceDue"] == 0 and body["taxAreaId"] == "00000000-0000-0000-0000-000000000000"
    assert body["@odata.context"].endswith("/customers/$entity")


def test_patch_requires_if_match_and_answers_409_when_stale(business_central):
    customer = _customer(business_central, "20000")
    path = f"customers({customer['id']})"
    missing = business_central.patch(path, json={"phoneNumber": "555"})
    assert (
        missing.status_code == 400 and missing.json()["error"]["code"] == "BadRequest_InvalidToken"
    )
    assert "CorrelationId" in missing.json()["error"]["message"]
    updated = business_central.patch(
        path, json={"phoneNumber": "(555) 555-1234"}, headers={"If-Match": customer["@odata.etag"]}
    )
    assert updated.status_code == 200 and updated.json()["phoneNumber"] == "(555) 555-1234"
    assert updated.json()["@odata.etag"] != customer["@odata.etag"]
    assert updated.json()["lastModifiedDateTime"] > customer["lastModifiedDateTime"]
    stale = business_central.patch(
        path, json={"phoneNumber": "1"}, headers={"If-Match": customer["@odata.etag"]}
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "Request_EntityChanged"
    assert (
        business_central.patch(
            path, json={"phoneNumber": "2"}, headers={"If-Match": "*"}
        ).status_code
        == 200
    )


def test_delete_requires_if_match_and_returns_204(business_central):
    created = business_central.post("customers", json={"displayName": "To delete"}).json()
    path = f"customers({created['id']})"
    assert business_central.delete(path).status_code == 400
    assert (
        business_central.delete(path, headers={"If-Match": created["@odata.etag"]}).status_code
        == 204
    )
    assert business_central.get(path).status_code == 404


def test_or_across_fields_is_rejected_but_same_field_or_works(business_central):
    same = business_central.get("customers?$filter=number eq '10000' or number eq '20000'")
    assert len(same.json()["value"]) == 2
    mixed = business_central.get("customers?$filter=number eq '10000' or city eq 'Chicago'")
    assert mixed.status_code == 400


def test_sales_order_deep_insert_fills_lines_and_totals(business_central):
    response = business_central.post(
        "salesOrders",
        json={
            "customerNumber": "10000",
            "externalDocumentNumber": "CRM-SO-0042",
            "salesOrderLines": [{"lineType": "Item", "lineObjectNumber": "1896-S", "quantity": 12}],
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert (
        order["customerName"] == "Adatum Corporation"
        and order["totalAmountExcludingTax"] == 12009.6
    )
    lines = business_central.get(f"salesOrders({order['id']})/salesOrderLines").json()["value"]
    assert [
        (line["lineObjectNumber"], line["description"], line["sequence"]) for line in lines
    ] == [("1896-S", "ATHENS Desk", 10000)]
    expanded = business_central.get(
        f"salesOrders({order['id']})?$expand=salesOrderLines,customer"
    ).json()
    assert expanded["customer"]["number"] == "10000" and len(expanded["salesOrderLines"]) == 1


def test_json_batch_echoes_ids_and_runs_requests_independently(business_central, sandbox_clean):
    customer = _customer(business_central, "10000")
    cid = sandbox_clean.credentials["company_id"]
    batch = {
        "requests": [
            {
                "id": "1",
                "method": "POST",
                "url": f"companies({cid})/salesOrders",
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "customerNumber": "10000",
                    "salesOrderLines": [{"lineObjectNumber": "1996-S", "quantity": 1}],
                },
            },
            {
                "id": "2",
                "method": "PATCH",
                "url": f"companies({cid})/customers({customer['id']})",
                "headers": {"Content-Type": "application/json", "If-Match": "*"},
                "body": {"phoneNumber": "555-0101"},
            },
            {"id": "3", "method": "GET", "url": f"companies({cid})/items?$filter=number eq 'NOPE'"},
        ]
    }
    response = business_central.post(
        f"{sandbox_clean.credentials['business_central_url']}/$batch", json=batch
    )
    assert response.status_code == 200
    statuses = {r["id"]: r["status"] for r in response.json()["responses"]}
    assert statuses == {"1": 201, "2": 200, "3": 200}
    assert response.json()["responses"][1]["body"]["phoneNumber"] == "555-0101"
    counters = sandbox_clean.counters()["business_central"]
    assert counters["requests"] == 2 and counters["operations"] == 4  # 1 read + 3 batch parts
    assert counters["writes"] == 2


def test_json_batch_with_snapshot_isolation_rolls_everything_back(business_central, sandbox_clean):
    cid = sandbox_clean.credentials["company_id"]
    batch = {
        "requests": [
            {
                "id": "a",
                "method": "POST",
                "url": f"companies({cid})/customers",
                "body": {"displayName": "Kept?"},
            },
            {
                "id": "b",
                "method": "PATCH",
                "url": f"companies({cid})/customers(00000000-0000-0000-0000-000000000001)",
                "headers": {"If-Match": "*"},
                "body": {"phoneNumber": "1"},
            },
        ]
    }
    url = f"{sandbox_clean.credentials['business_central_url']}/$batch"
    response = business_central.post(url, json=batch, headers={"Isolation": "snapshot"})
    statuses = {r["id"]: r["status"] for r in response.json()["responses"]}
    assert statuses == {"a": 424, "b": 404}
    assert business_central.get("customers?$filter=displayName eq 'Kept?'").json()["value"] == []
    too_many = business_central.post(url, json={"requests": [batch["requests"][0]] * 101})
    assert too_many.status_code == 400


def test_odata_pages_serve_resources_price_groups_and_the_customer_card(
    business_central, sandbox_clean
):
    base = (
        sandbox_clean.credentials["business_central_odata_url"]
        + "/Company('CRONUS%20USA%2C%20Inc.')"
    )
    resources = business_central.get(f"{base}/Resources?$filter=Type eq 'Person'").json()["value"]
    assert {r["No"] for r in resources} == {"LINDA", "MARTY", "TERRY"}
    groups = business_central.get(f"{base}/CustomerPriceGroups").json()["value"]
    assert {g["Code"] for g in groups} == {"RETAIL", "WHOLESALE"}
    prices = business_central.get(f"{base}/SalesPrices?$filter=Item_No eq '1896-S'").json()["value"]
    assert {p["Sales_Code"] for p in prices} == {"RETAIL", "WHOLESALE"}
    card = business_central.get(f"{base}/Customer('10000')").json()
    assert card["Name"] == "Adatum Corporation" and card["Shipping_Agent_Code"] == "DHL"
    patched = business_central.patch(
        f"{base}/Customer('10000')",
        json={"Fax_No": "555-9"},
        headers={"If-Match": card["@odata.etag"]},
    )
    assert patched.status_code == 200 and patched.json()["Fax_No"] == "555-9"


def test_a_paged_query_answers_what_the_table_holds_after_a_write(business_central):
    """The sandbox reuses a whole-table query's rows between pages only while the table is
    unchanged: a customer changed between two reads moves in the answer."""
    url = "customers?$filter=blocked eq ' '&$orderby=lastModifiedDateTime&$select=number"
    def numbers() -> list[str]:
        return [r["number"] for r in business_central.get(url).json()["value"]]

    first = numbers()
    assert first and numbers() == first
    oldest = _customer(business_central, first[0])
    business_central.patch(f"customers({oldest['id']})", json={"phoneNumber": "555"},
                           headers={"If-Match": oldest["@odata.etag"]})
    assert numbers() == [*first[1:], first[0]]
    business_central.patch(f"customers({oldest['id']})", json={"blocked": "All"},
                           headers={"If-Match": "*"})
    assert numbers() == first[1:]
