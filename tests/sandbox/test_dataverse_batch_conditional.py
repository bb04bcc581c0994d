"""Conditional updates inside a Dataverse ``$batch`` (protocols.md 3.6, 3.9, 5.4): an ETag that
no longer matches fails that operation alone with 412 when it is an independent part, and rolls
back its whole change set when it is inside one."""

from __future__ import annotations

import re
import uuid

CRLF = "\r\n"
STALE = "The version of the existing record doesn't match the RowVersion property provided."


def _patch(account_id: str, body: str, if_match: str) -> str:
    return CRLF.join([
        "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
        f"PATCH /api/data/v9.2/accounts({account_id}) HTTP/1.1",
        "Content-Type: application/json; type=entry", f"If-Match: {if_match}", "", body,
    ])


def _post(dataverse, body: str, continue_on_error: bool = True):
    headers = {"Content-Type": 'multipart/mixed; boundary="batch_c0de"'}
    if continue_on_error:
        headers["Prefer"] = "odata.continue-on-error"
    return dataverse.post("$batch", data=body.encode(), headers=headers)


def _independent(*parts: str) -> str:
    return CRLF.join([*(x for p in parts for x in ("--batch_c0de", p)), "--batch_c0de--", ""])


def _change_set(*parts: str) -> str:
    lines = ["--batch_c0de", 'Content-Type: multipart/mixed; boundary="changeset_c0de"', ""]
    for number, part in enumerate(parts, start=1):
        lines += ["--changeset_c0de", part.replace(
            "Content-Transfer-Encoding: binary", f"Content-Transfer-Encoding: binary{CRLF}"
            f"Content-ID: {number}", 1)]
    return CRLF.join([*lines, "--changeset_c0de--", "--batch_c0de--", ""])


def _account(dataverse, name: str) -> dict:
    query = f"accounts?$select=name,telephone1&$filter=name eq '{name}'"
    return dataverse.get(query).json()["value"][0]


def test_a_stale_etag_fails_only_its_own_part_with_412(dataverse):
    first, second = _account(dataverse, "Adatum Corporation"), _account(dataverse, "Trey Research")
    dataverse.patch(f"accounts({second['accountid']})", json={"telephone1": "555-0100"},
                    headers={"If-Match": "*"})  # someone changes it: its etag is stale now
    response = _post(dataverse, _independent(
        _patch(first["accountid"], '{"telephone1":"555-0111"}', first["@odata.etag"]),
        _patch(second["accountid"], '{"telephone1":"555-0122"}', second["@odata.etag"]),
    ))
    assert response.status_code == 200
    assert re.findall(r"HTTP/1.1 (\d+)", response.text) == ["204", "412"]
    assert STALE in response.text
    assert _account(dataverse, "Adatum Corporation")["telephone1"] == "555-0111"
    assert _account(dataverse, "Trey Research")["telephone1"] == "555-0100"


def test_an_etag_on_a_deleted_row_answers_404_not_a_creation(dataverse):
    missing = str(uuid.uuid4())
    response = _post(dataverse, _independent(_patch(missing, '{"name":"x"}', 'W/"1"')))
    assert re.findall(r"HTTP/1.1 (\d+)", response.text) == ["404"]
    assert dataverse.get(f"accounts?$select=name&$filter=accountid eq {missing}").json()[
        "value"] == []


def test_a_stale_etag_inside_a_change_set_rolls_back_the_whole_change_set(dataverse):
    first, second = _account(dataverse, "Adatum Corporation"), _account(dataverse, "Trey Research")
    dataverse.patch(f"accounts({second['accountid']})", json={"telephone1": "555-0200"},
                    headers={"If-Match": "*"})
    response = _post(dataverse, _change_set(
        _patch(first["accountid"], '{"telephone1":"555-0211"}', first["@odata.etag"]),
        _patch(second["accountid"], '{"telephone1":"555-0222"}', second["@odata.etag"]),
    ))
    assert "412" in response.text and STALE in response.text
    assert _account(dataverse, "Adatum Corporation")["telephone1"] == first["telephone1"]
    assert _account(dataverse, "Trey Research")["telephone1"] == "555-0200"
