"""What the sandbox does not emulate it refuses with 400, never a silently wrong answer."""

from __future__ import annotations

from urllib.parse import quote

import pytest

FETCH = "<fetch top='2'><entity name='account'><attribute name='name' /></entity></fetch>"


@pytest.mark.parametrize(
    "query",
    [
        f"fetchXml={quote(FETCH, safe='')}",
        f"sql={quote('SELECT TOP 2 name FROM account', safe='')}",
        "$apply=groupby((name))",
        "$compute=name",
        "$filter=name eq @p1&@p1='Relecloud'",
        "$levels=2",
        "somethingelse=1",
    ],
)
def test_options_the_sandbox_does_not_implement_answer_400(dataverse, query):
    """FetchXML (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/retrieve-data),
    SQL, aggregation, parameter aliases and unknown options: Dataverse answers them, the sandbox
    cannot, so it says so instead of returning every row.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
    """
    response = dataverse.get(f"accounts?{query}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "0x80060888"
    assert "not implemented in the sandbox" in error["message"]


def test_options_dataverse_itself_does_not_support_keep_their_message(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview"""
    for option in ("$skip=1", "$search=x", "$format=json"):
        response = dataverse.get(f"accounts?{option}")
        assert response.status_code == 400
        name = option.split("=")[0]
        assert response.json()["error"]["message"] == f"The query parameter {name} is not supported"


def test_unknown_expand_options_and_bad_count_values_are_refused(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/join-tables"""
    nested = dataverse.get("accounts?$select=name&$expand=primarycontactid($levels=2)")
    assert nested.status_code == 400
    assert "not implemented in the sandbox" in nested.json()["error"]["message"]
    assert dataverse.get("accounts?$count=yes").status_code == 400


def test_metadata_refuses_options_it_does_not_evaluate(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api"""
    assert dataverse.get("EntityDefinitions?$top=1").status_code == 400
    assert dataverse.get("$metadata?annotations=true").status_code == 400
    listed = dataverse.get(
        "EntityDefinitions?$select=LogicalName,EntitySetName&$filter=LogicalName+eq+'account'"
    )
    assert listed.status_code == 200
    assert [row["EntitySetName"] for row in listed.json()["value"]] == ["accounts"]


def test_paging_options_the_sandbox_issues_are_accepted(dataverse):
    """The $skiptoken of a next link and `tag` (for plug-ins) are accepted.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results
    """
    first = dataverse.get(
        "accounts?$select=name&$count=true&tag=sync", headers={"Prefer": "odata.maxpagesize=4"}
    )
    assert first.status_code == 200, first.text
    second = dataverse.get(
        first.json()["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=4"}
    )
    assert second.status_code == 200, second.text
    assert len(second.json()["value"]) == 4
    inside_batch = (
        "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET /api/data/v9.2/accounts?sql=SELECT%20name%20FROM%20account HTTP/1.1\r\n"
        "\r\n\r\n--b--\r\n"
    )
    batch = dataverse.post(
        "$batch",
        data=inside_batch.encode(),
        headers={"Content-Type": "multipart/mixed; boundary=b"},
    )
    assert batch.status_code == 400
    assert "not implemented in the sandbox" in batch.text
