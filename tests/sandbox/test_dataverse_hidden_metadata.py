"""A settable fault: attribute metadata a Dataverse environment does not give out.

``dataverse.metadata_hidden_attributes`` ("table.column") leaves those columns out of every
``EntityDefinitions`` answer, so the portal's refusal to guess can be tested; the rows keep
their values.
"""

from __future__ import annotations

import pytest
import requests

ATTRIBUTES = "EntityDefinitions(LogicalName='account')/Attributes"


def names(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["LogicalName"] for row in response.json()["value"]}


def test_a_hidden_attribute_is_missing_from_the_table_s_attributes(dataverse, sandbox_clean):
    assert "ownerid" in names(dataverse.get(f"{ATTRIBUTES}?$select=LogicalName"))
    sandbox_clean.settings(dataverse={"metadata_hidden_attributes": ["account.ownerid"]})
    listed = names(dataverse.get(f"{ATTRIBUTES}?$select=LogicalName"))
    assert "ownerid" not in listed and "name" in listed


def test_a_hidden_attribute_is_not_found_by_name_nor_by_its_type_cast(dataverse, sandbox_clean):
    sandbox_clean.settings(dataverse={"metadata_hidden_attributes": ["account.statecode"]})
    single = dataverse.get(f"{ATTRIBUTES}(LogicalName='statecode')")
    assert single.status_code == 404
    assert single.json()["error"]["code"] == "0x80040217"
    cast = dataverse.get(f"{ATTRIBUTES}/Microsoft.Dynamics.CRM.StateAttributeMetadata"
                         "?$select=LogicalName&$expand=OptionSet")
    assert "statecode" not in names(cast)


def test_the_records_keep_the_hidden_column(dataverse, sandbox_clean):
    sandbox_clean.settings(dataverse={"metadata_hidden_attributes": ["account.ownerid"]})
    row = dataverse.get("accounts?$select=_ownerid_value&$top=1").json()["value"][0]
    assert row["_ownerid_value"]


def test_other_tables_and_a_reset_show_every_attribute_again(dataverse, sandbox_clean):
    sandbox_clean.settings(dataverse={"metadata_hidden_attributes": ["account.ownerid"]})
    contact = "EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName"
    assert "ownerid" in names(dataverse.get(contact))
    sandbox_clean.reset_settings()
    assert "ownerid" in names(dataverse.get(f"{ATTRIBUTES}?$select=LogicalName"))


@pytest.mark.parametrize("value", ["ownerid", ["ownerid"], ["account.owner id"], [3]])
def test_the_setting_takes_only_a_list_of_table_dot_column_names(sandbox_clean, value):
    with pytest.raises(requests.HTTPError) as refused:
        sandbox_clean.settings(dataverse={"metadata_hidden_attributes": value})
    assert refused.value.response.status_code == 400
