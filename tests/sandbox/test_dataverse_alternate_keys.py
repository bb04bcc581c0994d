"""Alternate keys: values stored as sent, matched case-insensitively like the column's collation.

https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record
"""

from __future__ import annotations


def test_an_upsert_by_alternate_key_stores_the_value_as_sent(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record"""
    created = dataverse.patch(
        "accounts(accountnumber='MS-UPS-1')",
        json={"name": "Upserted"},
        headers={"Prefer": "return=representation"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["accountnumber"] == "MS-UPS-1"
    rows = dataverse.get("accounts?$select=accountnumber&$filter=name eq 'Upserted'").json()
    assert [row["accountnumber"] for row in rows["value"]] == ["MS-UPS-1"]


def test_a_key_in_another_case_addresses_the_same_row(dataverse):
    """String keys compare under the column's case-insensitive collation.

    https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
    """
    first = dataverse.patch(
        "accounts(accountnumber='MS-UPS-2')",
        json={"name": "First"},
        headers={"Prefer": "return=representation"},
    )
    account_id = first.json()["accountid"]
    again = dataverse.patch(
        "accounts(accountnumber='ms-ups-2')",
        json={"name": "Second"},
        headers={"Prefer": "return=representation"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["accountid"] == account_id
    assert again.json()["accountnumber"] == "MS-UPS-2"
    read = dataverse.get("accounts(accountnumber='Ms-Ups-2')?$select=name,accountnumber")
    assert read.status_code == 200
    assert read.json()["name"] == "Second" and read.json()["accountnumber"] == "MS-UPS-2"


def test_a_quoted_key_with_a_comma_and_a_doubled_quote(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record"""
    created = dataverse.patch(
        "accounts(accountnumber='O''Brien, Ltd')",
        json={"name": "Quoted"},
        headers={"Prefer": "return=representation"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["accountnumber"] == "O'Brien, Ltd"


def test_if_match_star_on_an_unknown_key_is_404_naming_the_key(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api"""
    missing = dataverse.patch(
        "accounts(accountnumber='NOPE-1')", json={"name": "x"}, headers={"If-Match": "*"}
    )
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "0x80040217"
    assert "NOPE-1" in error["message"] and "alternate:" not in error["message"]
