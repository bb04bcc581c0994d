"""Collection-valued navigation properties answer 200 with a (possibly empty) value list."""

from __future__ import annotations


def test_an_empty_collection_navigation_answers_200_with_an_empty_value(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-related-entities-query"""
    created = dataverse.post(
        "accounts", json={"name": "No contacts"}, headers={"Prefer": "return=representation"}
    )
    account_id = created.json()["accountid"]
    response = dataverse.get(f"accounts({account_id})/contact_customer_accounts?$select=fullname")
    assert response.status_code == 200, response.text
    assert response.json()["value"] == []


def test_a_user_without_roles_has_an_empty_role_association(dataverse):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-related-entities-query"""
    users = dataverse.get("systemusers?$select=systemuserid").json()["value"]
    empty = []
    for user in users:
        roles = dataverse.get(
            f"systemusers({user['systemuserid']})/systemuserroles_association?$select=name"
        )
        assert roles.status_code == 200, roles.text
        assert isinstance(roles.json()["value"], list)
        empty += [user] if not roles.json()["value"] else []
    assert empty, "the demo data has users without roles"
