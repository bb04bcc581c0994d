"""Dataverse Web API conformance (protocols.md 3, examples 5.1-5.4, checklist 6)."""

from __future__ import annotations

import re

ANNOTATIONS = 'odata.include-annotations="*"'


def _currency(dataverse, code: str) -> str:
    rows = dataverse.get(
        f"transactioncurrencies?$select=isocurrencycode&$filter=isocurrencycode eq '{code}'"
    )
    return rows.json()["value"][0]["transactioncurrencyid"]


def _create_account(dataverse, **body) -> str:
    response = dataverse.post("accounts", json={"name": "Sandbox Test", **body})
    assert response.status_code == 204, response.text
    match = re.search(r"\((.*)\)", response.headers["OData-EntityId"])
    assert match, response.headers["OData-EntityId"]
    return match.group(1)


def test_whoami_returns_user_business_unit_and_organization(dataverse, sandbox_clean):
    body = dataverse.get("WhoAmI").json()
    assert body["@odata.context"].endswith("$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
    assert body["OrganizationId"] == sandbox_clean.credentials["organization_id"]
    assert body["UserId"] and body["BusinessUnitId"]


def test_service_document_lists_every_entity_set_the_mappings_use(dataverse):
    names = {item["name"] for item in dataverse.get("").json()["value"]}
    assert {
        "accounts",
        "contacts",
        "systemusers",
        "salesorderdetails",
        "nav_connections",
        "nav_accountstatisticses",
        "uomschedules",
        "productpricelevels",
    } <= names


def test_listing_pages_through_more_than_two_pages_with_next_links(dataverse):
    url = "accounts?$select=name&$orderby=name asc"
    names, pages = [], 0
    while url:
        response = dataverse.get(url, headers={"Prefer": "odata.maxpagesize=3"})
        assert response.headers["Preference-Applied"] == "odata.maxpagesize=3"
        body = response.json()
        names += [row["name"] for row in body["value"]]
        url, pages = body.get("@odata.nextLink"), pages + 1
    assert pages > 2
    assert names == sorted(names, key=str.lower)
    assert len(names) == len(set(names)) == 11


def test_page_size_is_capped_at_5000_and_skip_is_rejected(dataverse):
    response = dataverse.get("accounts?$select=name", headers={"Prefer": "odata.maxpagesize=9000"})
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=5000"
    assert dataverse.get("accounts?$skip=2").status_code == 400


def test_create_returns_204_with_entity_id_and_201_with_representation(dataverse):
    response = dataverse.post(
        "accounts", json={"name": "Adatum", "customertypecode": 3, "paymenttermscode": 1}
    )
    assert response.status_code == 204 and response.content == b""
    assert re.search(
        r"/api/data/v9\.2/accounts\([0-9a-f-]{36}\)$", response.headers["OData-EntityId"]
    )
    created = dataverse.post(
        "accounts?$select=accountid,name",
        json={"name": "Adatum 2"},
        headers={"Prefer": "return=representation"},
    )
    assert created.status_code == 201
    assert created.json()["@odata.context"].endswith("$metadata#accounts(accountid,name)/$entity")
    assert created.json()["@odata.etag"].startswith('W/"')


def test_server_sets_system_columns_and_lookup_values(dataverse):
    currency = _currency(dataverse, "EUR")
    account_id = _create_account(
        dataverse, **{"transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency})"}
    )
    row = dataverse.get(
        f"accounts({account_id})?$select=createdon,modifiedon,versionnumber,"
        "_modifiedby_value,_transactioncurrencyid_value,statecode,_ownerid_value",
        headers={"Prefer": ANNOTATIONS},
    ).json()
    me = dataverse.get("WhoAmI").json()["UserId"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["modifiedon"])
    assert row["_modifiedby_value"] == me and row["_ownerid_value"] == me
    assert row["_transactioncurrencyid_value"] == currency
    assert (
        row["_transactioncurrencyid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]
        == "transactioncurrency"
    )
    assert (
        row["statecode"] == 0
        and row["statecode@OData.Community.Display.V1.FormattedValue"] == "Active"
    )
    assert row["@odata.etag"] == f'W/"{row["versionnumber"]}"'


def test_products_start_as_draft(dataverse):
    response = dataverse.post(
        "products?$select=statecode,statuscode",
        json={"name": "P", "productnumber": "P1"},
        headers={"Prefer": "return=representation"},
    )
    assert (response.json()["statecode"], response.json()["statuscode"]) == (2, 0)


def test_upsert_creates_with_201_then_updates_with_200(dataverse):
    new_id = "a1000000-0000-0000-0000-0000000000aa"
    prefer = {"Prefer": "return=representation"}
    created = dataverse.patch(f"accounts({new_id})", json={"name": "Upserted"}, headers=prefer)
    updated = dataverse.patch(
        f"accounts({new_id})", json={"name": "Upserted again"}, headers=prefer
    )
    plain = dataverse.patch(f"accounts({new_id})", json={"name": "Third"})
    assert (created.status_code, updated.status_code, plain.status_code) == (201, 200, 204)
    assert created.json()["accountid"] == new_id
    assert plain.headers["OData-EntityId"].endswith(f"accounts({new_id})")


def test_if_match_star_on_a_missing_row_is_404_and_if_none_match_star_on_existing_is_412(dataverse):
    missing = dataverse.patch(
        "accounts(a1000000-0000-0000-0000-0000000000bb)",
        json={"name": "x"},
        headers={"If-Match": "*"},
    )
    assert missing.status_code == 404
    account_id = _create_account(dataverse)
    duplicate = dataverse.patch(
        f"accounts({account_id})", json={"name": "x"}, headers={"If-None-Match": "*"}
    )
    assert duplicate.status_code == 412
    assert (
        duplicate.json()["error"]["message"] == "A record with matching key values already exists."
    )


def test_a_stale_etag_returns_412_on_update_and_delete(dataverse):
    account_id = _create_account(dataverse)
    etag = dataverse.get(f"accounts({account_id})?$select=name").json()["@odata.etag"]
    assert (
        dataverse.patch(
            f"accounts({account_id})", json={"telephone1": "1"}, headers={"If-Match": etag}
        ).status_code
        == 204
    )
    stale = dataverse.patch(
        f"accounts({account_id})", json={"telephone1": "2"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json() == {
        "error": {
            "code": "0x80060882",
            "message": "The version of the existing record "
            "doesn't match the RowVersion property provided.",
        }
    }
    assert (
        dataverse.delete(f"accounts({account_id})", headers={"If-Match": etag}).status_code == 412
    )


def test_delete_returns_204_then_404(dataverse):
    account_id = _create_account(dataverse)
    assert dataverse.delete(f"accounts({account_id})").status_code == 204
    gone = dataverse.delete(f"accounts({account_id})")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "0x80040217"


def test_if_none_match_with_the_current_etag_returns_304(dataverse):
    account_id = _create_account(dataverse)
    etag = dataverse.get(f"accounts({account_id})?$select=name").json()["@odata.etag"]
    assert (
        dataverse.get(
            f"accounts({account_id})?$select=name", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )


def test_filter_varieties(dataverse):
    def names(query: str) -> set[str]:
        response = dataverse.get(f"accounts?$select=name&$filter={query}")
        assert response.status_code == 200, response.text
        return {row["name"] for row in response.json()["value"]}

    assert names("name eq 'adatum corporation'") == {"Adatum Corporation"}
    assert names("startswith(name,'A') and customertypecode eq 3") == {
        "Adatum Corporation",
        "Alpine Ski House",
        "A. Datum Consulting",
    }
    assert names("contains(name,'ski') or endswith(name,'Research')") == {
        "Alpine Ski House",
        "Trey Research",
    }
    assert names("not (statecode eq 0)") == {"Old Customer Ltd."}
    assert names("customertypecode eq 11") == {"Lucerne Publishing"}
    assert names(
        "modifiedon ge 2024-01-01T00:00:00Z and accountnumber eq null and statecode ne 1"
    ) >= {"Relecloud"}
    assert names(
        "Microsoft.Dynamics.CRM.In(PropertyName='name',"
        "PropertyValues=['Relecloud','Trey Research'])"
    ) == {"Relecloud", "Trey Research"}


def test_lookup_filters_and_expand(dataverse):
    adatum = dataverse.get("accounts?$select=name&$filter=name eq 'Adatum Corporation'").json()[
        "value"
    ][0]
    contacts = dataverse.get(
        f"contacts?$select=fullname&$filter=_parentcustomerid_value eq {adatum['accountid']}"
    )
    assert [c["fullname"] for c in contacts.json()["value"]] == ["Robert Townes"]
    expanded = dataverse.get(
        "contacts?$select=fullname&$filter=parentcustomerid_account/name eq "
        "'Adatum Corporation'&$expand=parentcustomerid_account($select=name)"
    )
    assert expanded.json()["value"][0]["parentcustomerid_account"]["name"] == "Adatum Corporation"
    children = dataverse.get(
        f"accounts({adatum['accountid']})?$select=name&"
        "$expand=contact_customer_accounts($select=fullname)"
    ).json()
    assert [c["fullname"] for c in children["contact_customer_accounts"]] == ["Robert Townes"]


def test_count_and_top(dataverse):
    body = dataverse.get("accounts?$select=name&$count=true&$top=2").json()
    assert body["@odata.count"] == 2 and len(body["value"]) == 2
    full = dataverse.get("accounts?$select=name&$count=true").json()
    assert full["@odata.count"] == 11


def test_unknown_columns_and_bad_choices_return_documented_errors(dataverse):
    bad_select = dataverse.get("accounts?$select=nosuchcolumn")
    assert bad_select.status_code == 400 and bad_select.json()["error"]["code"] == "0x80060888"
    bad_write = dataverse.post("accounts", json={"name": "x", "nosuchcolumn": 1})
    assert (
        bad_write.status_code == 400
        and "Invalid property 'nosuchcolumn'" in bad_write.json()["error"]["message"]
    )
    bad_choice = dataverse.post("accounts", json={"name": "x", "customertypecode": 99})
    assert bad_choice.status_code == 400 and bad_choice.json()["error"]["code"] == "0x8004431a"
    too_long = dataverse.post("accounts", json={"name": "x" * 161})
    assert too_long.json()["error"]["code"] == "0x80044331"


def test_integration_user_roles_are_readable_through_the_association(dataverse, sandbox_clean):
    email = sandbox_clean.credentials["integration_user"]
    user = dataverse.get(
        f"systemusers?$select=fullname,isintegrationuser&$filter=internalemailaddress eq '{email}'"
        "&$expand=systemuserroles_association($select=name,_roletemplateid_value)"
    ).json()
    roles = {role["name"] for role in user["value"][0]["systemuserroles_association"]}
    assert "Dynamics 365 Business Central Integration User" in roles
    assert "System Administrator" not in roles


def test_roles_can_be_associated_with_ref(dataverse, sandbox_clean):
    email = sandbox_clean.credentials["sales_users"][2]
    user_id = dataverse.get(
        f"systemusers?$select=fullname&$filter=internalemailaddress eq '{email}'"
    ).json()["value"][0]["systemuserid"]
    role = dataverse.get("roles?$select=name&$filter=name eq 'System Customizer'").json()["value"][
        0
    ]
    reference = {
        "@odata.id": f"{sandbox_clean.credentials['dataverse_api_url']}roles({role['roleid']})"
    }
    assert (
        dataverse.post(
            f"systemusers({user_id})/systemuserroles_association/$ref", json=reference
        ).status_code
        == 204
    )
    roles = dataverse.get(
        f"systemusers({user_id})/systemuserroles_association?$select=name"
    ).json()["value"]
    assert "System Customizer" in {r["name"] for r in roles}


def test_option_set_metadata_carries_labels(dataverse):
    response = dataverse.get(
        "EntityDefinitions(LogicalName='account')/Attributes(LogicalName="
        "'customertypecode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
        "?$select=LogicalName&$expand=OptionSet"
    )
    assert response.status_code == 200, response.text
    labels = {
        o["Value"]: o["Label"]["UserLocalizedLabel"]["Label"]
        for o in response.json()["OptionSet"]["Options"]
    }
    assert labels[3] == "Customer" and labels[11] == "Vendor"
    attributes = dataverse.get(
        "EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName"
    ).json()
    assert "address1_shippingmethodcode" in {a["LogicalName"] for a in attributes["value"]}
    entity = dataverse.get(
        "EntityDefinitions(LogicalName='salesorderdetail')?$select=EntitySetName"
    ).json()
    assert entity["EntitySetName"] == "salesorderdetails"


def test_change_tracking_returns_changes_and_deletions_since_the_delta_link(dataverse):
    first = dataverse.get("accounts?$select=name", headers={"Prefer": "odata.track-changes"})
    assert first.headers["Preference-Applied"] == "odata.track-changes"
    delta_link = first.json()["@odata.deltaLink"]
    assert "$deltatoken=" in delta_link and len(first.json()["value"]) == 11
    new_id = _create_account(dataverse, name="Tracked")
    old_id = first.json()["value"][0]["accountid"]
    assert dataverse.delete(f"accounts({old_id})").status_code == 204
    delta = dataverse.get(delta_link, headers={"Prefer": "odata.track-changes"}).json()
    assert delta["@odata.context"].endswith("/$delta")
    assert [row.get("accountid") for row in delta["value"] if "accountid" in row] == [new_id]
    assert {"id": old_id, "reason": "deleted"}.items() <= delta["value"][-1].items()
    assert (
        dataverse.get(
            "accounts?$filter=name eq 'x'", headers={"Prefer": "odata.track-changes"}
        ).status_code
        == 400
    )
