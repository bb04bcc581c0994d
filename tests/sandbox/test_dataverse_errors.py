"""Dataverse errors carry the documented hexadecimal code and message shape."""

from __future__ import annotations

import re

HEX_CODE = re.compile(r"^0x[0-9a-f]{8}$")


def _new_account(dataverse) -> tuple[str, str]:
    response = dataverse.post(
        "accounts", json={"name": "Errors"}, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["accountid"], body["@odata.etag"]


def test_a_stale_etag_answers_412_concurrency_version_mismatch(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
    and https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
    (0x80060882 ConcurrencyVersionMismatch)."""
    account_id, etag = _new_account(dataverse)
    assert dataverse.patch(f"accounts({account_id})", json={"name": "Changed"}).status_code == 204
    stale = dataverse.patch(
        f"accounts({account_id})", json={"name": "Again"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json() == {
        "error": {
            "code": "0x80060882",
            "message": "The version of the existing record doesn't match the RowVersion "
            "property provided.",
        }
    }


def test_if_none_match_star_on_an_existing_row_answers_412_duplicate_record(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
    and https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
    (0x80040237 DuplicateRecord)."""
    account_id, _ = _new_account(dataverse)
    duplicate = dataverse.patch(
        f"accounts({account_id})", json={"name": "x"}, headers={"If-None-Match": "*"}
    )
    assert duplicate.status_code == 412
    assert duplicate.json()["error"] == {
        "code": "0x80040237",
        "message": "A record with matching key values already exists.",
    }


def test_every_error_has_a_hex_code_and_a_message(dataverse, sandbox_clean):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors"""
    account_id, _ = _new_account(dataverse)
    missing = "00000000-0000-0000-0000-000000000001"
    answers = [
        dataverse.get(f"accounts({missing})"),
        dataverse.get("nosuchset"),
        dataverse.get("accounts?$select=nosuchcolumn"),
        dataverse.get("accounts?$skip=1"),
        dataverse.post("accounts", data=b"{not json", headers={"Content-Type": "application/json"}),
        dataverse.patch(f"accounts({missing})", json={"name": "x"}, headers={"If-Match": "*"}),
        dataverse.delete(f"accounts({account_id})", headers={"If-Match": 'W/"1"'}),
        dataverse.request("PUT", "accounts"),
        dataverse.get("WhoAmI", headers={"Authorization": "Bearer nonsense"}),
    ]
    sandbox_clean.settings(dataverse={"fault_rate": 1.0, "fault_kinds": ["500", "503", "429"]})
    answers += [dataverse.get("WhoAmI") for _ in range(3)]
    for response in answers:
        assert response.status_code >= 400
        error = response.json()["error"]
        assert set(error) == {"code", "message"}, error
        assert HEX_CODE.match(error["code"]), (response.request.url, error)
        assert error["message"].strip()
