"""InsertOptionValue in the sandbox: the new choice shows in the metadata and rows accept it."""

from __future__ import annotations

PICKLIST = ("EntityDefinitions(LogicalName='account')/Attributes(LogicalName='paymenttermscode')"
            "/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName"
            "&$expand=OptionSet")


def _insert(dataverse, label: str, **extra):
    return dataverse.post("InsertOptionValue", json={
        "EntityLogicalName": "account", "AttributeLogicalName": "paymenttermscode",
        "Label": {"LocalizedLabels": [{"Label": label, "LanguageCode": 1033}]}, **extra})


def _options(dataverse) -> dict[str, int]:
    options = dataverse.get(PICKLIST).json()["OptionSet"]["Options"]
    return {o["Label"]["UserLocalizedLabel"]["Label"]: o["Value"] for o in options}


def test_an_inserted_option_gets_a_value_in_the_publishers_range_and_appears_in_metadata(
        dataverse, sandbox_clean):
    answer = _insert(dataverse, "21 DAYS")
    assert answer.status_code == 200, answer.text
    value = answer.json()["NewOptionValue"]
    assert value == 100_000_000
    assert _options(dataverse)["21 DAYS"] == value
    created = dataverse.post("accounts", json={"name": "Terms", "paymenttermscode": value})
    assert created.status_code == 204, created.text


def test_a_taken_value_or_a_missing_label_is_refused_and_a_reset_forgets_the_option(
        dataverse, sandbox_clean):
    assert _insert(dataverse, "Again", Value=1).status_code == 400
    assert dataverse.post("InsertOptionValue", json={
        "EntityLogicalName": "account", "AttributeLogicalName": "paymenttermscode"}
    ).status_code == 400
    assert _insert(dataverse, "Gone soon").status_code == 200
    sandbox_clean.reset()
    assert "Gone soon" not in _options(dataverse)
