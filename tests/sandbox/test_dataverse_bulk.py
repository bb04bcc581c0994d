"""CreateMultiple, UpdateMultiple and UpsertMultiple bound to an entity set.

https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations
"""

from __future__ import annotations

ACCOUNT = "Microsoft.Dynamics.CRM.account"


def _names(dataverse, prefix: str) -> dict[str, dict]:
    rows = dataverse.get(
        f"accounts?$select=name,accountnumber,telephone1&$filter=startswith(name,'{prefix}')"
    ).json()["value"]
    return {row["name"]: row for row in rows}


def test_create_multiple_answers_200_with_the_new_ids_in_order(dataverse, sandbox_clean):
    """https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations#createmultiple"""
    targets = [{"name": f"Bulk {n}", "@odata.type": ACCOUNT} for n in range(3)]
    response = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"].endswith(
        "$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
    )
    assert len(body["Ids"]) == 3
    for number, record_id in enumerate(body["Ids"]):
        assert (
            dataverse.get(f"accounts({record_id})?$select=name").json()["name"] == f"Bulk {number}"
        )
    counters = sandbox_clean.counters()["dataverse"]
    assert counters["requests"] == 4 and counters["writes"] == 3


def test_update_multiple_answers_204_and_changes_only_what_is_sent(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations#updatemultiple"""
    ids = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
        json={
            "Targets": [
                {"name": f"Upd {n}", "telephone1": "1", "@odata.type": ACCOUNT} for n in range(2)
            ]
        },
    ).json()["Ids"]
    targets = [{"accountid": i, "telephone1": "555", "@odata.type": ACCOUNT} for i in ids]
    response = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json={"Targets": targets}
    )
    assert response.status_code == 204, response.text
    assert response.content == b""
    rows = _names(dataverse, "Upd ")
    assert {row["telephone1"] for row in rows.values()} == {"555"} and len(rows) == 2


def test_upsert_multiple_by_alternate_key_and_by_id_answers_204(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/upsertmultiple
    (204 No Content; the record is identified by @odata.id or by its primary key)."""
    existing = dataverse.post(
        "accounts",
        json={"name": "Ups existing", "accountnumber": "UPS-A"},
        headers={"Prefer": "return=representation"},
    ).json()["accountid"]
    new_id = "b0b0b0b0-0000-0000-0000-000000000001"
    targets = [
        {
            "name": "Ups renamed",
            "@odata.type": ACCOUNT,
            "@odata.id": "accounts(accountnumber='ups-a')",
        },
        {
            "name": "Ups new by key",
            "@odata.type": ACCOUNT,
            "@odata.id": "accounts(accountnumber='UPS-B')",
        },
        {"name": "Ups new by id", "accountid": new_id, "@odata.type": ACCOUNT},
    ]
    response = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.UpsertMultiple", json={"Targets": targets}
    )
    assert response.status_code == 204, response.text
    rows = _names(dataverse, "Ups ")
    assert set(rows) == {"Ups renamed", "Ups new by key", "Ups new by id"}
    assert rows["Ups renamed"]["accountid"] == existing
    assert rows["Ups renamed"]["accountnumber"] == "UPS-A"
    assert rows["Ups new by key"]["accountnumber"] == "UPS-B"
    assert rows["Ups new by id"]["accountid"] == new_id


def test_a_failing_target_rolls_the_whole_request_back(dataverse):
    """On a standard table any error rolls back every operation of the request.

    https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations#on-error-behavior-with-standard-tables
    and https://learn.microsoft.com/troubleshoot/power-platform/power-apps/dataverse/client-errors
    """
    targets = [
        {"name": "Rollback 1", "@odata.type": ACCOUNT},
        {"name": "Rollback 2", "customertypecode": 999, "@odata.type": ACCOUNT},
    ]
    failed = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
    )
    assert failed.status_code == 400
    assert failed.json()["error"]["code"] == "0x8004431a"
    assert _names(dataverse, "Rollback") == {}
    missing = "c0c0c0c0-0000-0000-0000-000000000001"
    update = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.UpdateMultiple",
        json={"Targets": [{"accountid": missing, "name": "x", "@odata.type": ACCOUNT}]},
    )
    assert update.status_code == 404
    assert update.json()["error"]["code"] == "0x80040217"
    created = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
        json={"Targets": [{"name": "Dup", "accountid": missing, "@odata.type": ACCOUNT}] * 2},
    )
    assert created.status_code == 412
    assert created.json()["error"]["code"] == "0x80040237"
    assert _names(dataverse, "Dup") == {}


def test_every_target_must_carry_the_table_type(dataverse):
    """'You must set the @odata.type property for each item in the Targets parameter.'

    https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations#createmultiple
    """
    action = "accounts/Microsoft.Dynamics.CRM.CreateMultiple"
    untyped = dataverse.post(action, json={"Targets": [{"name": "Untyped"}]})
    assert untyped.status_code == 400 and untyped.json()["error"]["code"] == "0x80048d19"
    wrong = dataverse.post(
        action, json={"Targets": [{"name": "x", "@odata.type": "Microsoft.Dynamics.CRM.contact"}]}
    )
    assert wrong.status_code == 400
    assert dataverse.post(action, json={"Targets": []}).status_code == 400
    assert dataverse.get(action).status_code == 405
    assert _names(dataverse, "Untyped") == {}


def test_a_bulk_request_is_one_request_costing_time_per_record(dataverse, sandbox_clean):
    """One request for the request-count limit, but its execution time grows with its records.

    https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations#service-protection-limits
    """
    sandbox_clean.settings(
        time_scale=1000,
        dataverse={
            "limits_enabled": True,
            "requests_per_window": 2,
            "bulk_record_time_ms": 100,
            "execution_seconds_per_window": 0.25,
        },
    )
    targets = [{"name": f"Timed {n}", "@odata.type": ACCOUNT} for n in range(3)]
    response = dataverse.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
    )
    assert response.status_code == 200, response.text
    counters = sandbox_clean.counters()["dataverse"]
    assert counters["requests"] == 1 and counters["server_time_ms"] == 300
    throttled = dataverse.get("WhoAmI")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "0x80072321"


def _filters(dataverse, table: str) -> list[str]:
    """The bulk messages available for ``table``, asked as Microsoft tells clients to."""
    messages = dataverse.get("sdkmessages?$select=sdkmessageid,name&$filter=name eq "
                             "'CreateMultiple' or name eq 'UpsertMultiple'").json()["value"]
    names = {row["sdkmessageid"]: row["name"] for row in messages}
    rows = dataverse.get(f"sdkmessagefilters?$select=_sdkmessageid_value&$filter="
                         f"primaryobjecttypecode eq '{table}'").json()["value"]
    return sorted(names[r["_sdkmessageid_value"]] for r in rows
                  if r["_sdkmessageid_value"] in names)


def test_the_message_filters_say_which_tables_take_the_bulk_messages(dataverse, sandbox_clean):
    """https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations
    (a standard table takes a bulk message when an sdkmessagefilter row names both)."""
    assert _filters(dataverse, "account") == ["CreateMultiple", "UpsertMultiple"]
    assert _filters(dataverse, "systemuserroles") == []
    upsert = dataverse.get("sdkmessages?$select=sdkmessageid&$filter=name eq 'UpsertMultiple'"
                           ).json()["value"][0]["sdkmessageid"]
    sandbox_clean.remove_records("dataverse", "sdkmessagefilter", primaryobjecttypecode="account",
                                 _sdkmessageid_value=upsert)
    assert _filters(dataverse, "account") == ["CreateMultiple"]
    target = {"name": "Refused", "@odata.type": ACCOUNT}
    response = dataverse.post("accounts/Microsoft.Dynamics.CRM.UpsertMultiple",
                              json={"Targets": [target]})
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "0x80060888"
    assert dataverse.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple",
                          json={"Targets": [target]}).status_code == 200
