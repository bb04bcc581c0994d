"""Every default Table Filter and Integration Table Filter of the reference data parses."""

import json
from pathlib import Path

import pytest

from mappings.filters import Catalogue, FieldSpec, bind, parse_table_filter, translate_bc_style

# The reference folder sits beside the repository (../shared/reference), here and in CI.
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
DEFAULTS = REFERENCE / "bc-default-mappings.json"
COMPANY_ID = "7d1c6c1c-2a9b-4c3e-9d5f-000000000001"
PLACEHOLDERS = {"CDS company id": COMPANY_ID}


def _option(name, *labels, caption=""):
    return FieldSpec.of(name, "option", caption or name, options=labels)


COMPANY = FieldSpec.of("_bcbi_companyid_value", "lookup", aliases=["CompanyId"])
STATE = FieldSpec.of("statecode", "state", aliases=["StateCode"],
                     options={"Active": 0, "Inactive": 1})
PRICE_TYPE = _option("priceType", "Any", "Sale", "Purchase", caption="Price Type")
AMOUNT_TYPE = _option("amountType", "Any", "Price", "Discount", caption="Amount Type")

BC_TABLES = {
    "Customer": [_option("blocked", " ", "Ship", "Invoice", "All", caption="Blocked")],
    "Vendor": [_option("blocked", " ", "Payment", "All", caption="Blocked")],
    "Contact": [_option("type", "Company", "Person", caption="Type"),
                FieldSpec.of("companyNumber", "code", "Company No.")],
    "Item": [FieldSpec.of("blocked", "boolean", "Blocked")],
    "Resource": [FieldSpec.of("blocked", "boolean", "Blocked")],
    "Sales Price": [_option("salesType", "Customer", "Customer Price Group", "All Customers",
                            "Campaign", caption="Sales Type"),
                    FieldSpec.of("salesCode", "code", "Sales Code")],
    "Sales Header": [_option("documentType", "Quote", "Order", "Invoice", "Credit Memo",
                             "Blanket Order", "Return Order", caption="Document Type"),
                     _option("status", "Open", "Released", "Pending Approval",
                             "Pending Prepayment", caption="Status")],
    "Price List Header": [PRICE_TYPE, AMOUNT_TYPE,
                          FieldSpec.of("allowUpdatingDefaults", "boolean",
                                       "Allow Updating Defaults")],
    "Price List Line": [PRICE_TYPE, AMOUNT_TYPE,
                        _option("assetType", " ", "Item", "Item Discount Group", "Resource",
                                "Resource Group", "Service Cost", "G/L Account",
                                caption="Asset Type"),
                        FieldSpec.of("minimumQuantity", "decimal", "Minimum Quantity")],
    "Opportunity": [_option("status", "Not Started", "In Progress", "Won", "Lost",
                            caption="Status")],
}
CRM_ENTITIES = {
    "systemuser": [FieldSpec.of("isdisabled", "boolean"), FieldSpec.of("islicensed", "boolean"),
                   FieldSpec.of("isintegrationuser", "boolean")],
    "account": [STATE, COMPANY, FieldSpec.of(
        "customertypecode", "picklist", options={"Customer": 3, "Vendor": 11})],
    "contact": [STATE, COMPANY, FieldSpec.of("_parentcustomerid_value", "lookup"),
                # the polymorphic lookup's table name is not filterable through the Web API
                FieldSpec.of("parentcustomeridtype", "entityname", filterable=False)],
    "product": [FieldSpec.of("producttypecode", "picklist", options={
        "SalesInventory": 1, "MiscellaneousCharges": 2, "Services": 3, "FlatFees": 4})],
    **{entity: [COMPANY] for entity in ("pricelevel", "invoice", "opportunity", "salesorder")},
}


def _mappings():
    if not DEFAULTS.exists():
        return []
    data = json.loads(DEFAULTS.read_text())
    return data["mappings"] + data["mappings_dataverse_era"]["mappings"]


needs_reference = pytest.mark.skipif(
    not DEFAULTS.exists(), reason=f"reference data not found at {DEFAULTS} (the shared/ folder "
                                  "beside the repository)")


def _cases(key):
    return [pytest.param(m, id=f"{m['name']}-{m[key]}") for m in _mappings() if m[key]]


@needs_reference
@pytest.mark.parametrize("mapping", _cases("table_filter"))
def test_every_default_table_filter_parses_and_binds(mapping):
    catalogue = Catalogue(BC_TABLES[mapping["bc_table"]])
    assert bind(parse_table_filter(mapping["table_filter"], catalogue), catalogue)


@needs_reference
@pytest.mark.parametrize("mapping", _cases("integration_table_filter"))
def test_every_default_integration_table_filter_becomes_a_dataverse_filter(mapping):
    catalogue = Catalogue(CRM_ENTITIES[mapping["crm_entity"]])
    translation = translate_bc_style(mapping["integration_table_filter"], catalogue,
                                     placeholders=PLACEHOLDERS)
    assert translation.filter_text


@needs_reference
def test_the_customer_default_selects_active_customer_accounts():
    customer = next(m for m in _mappings() if m["name"] == "CUSTOMER")
    translation = translate_bc_style(customer["integration_table_filter"],
                                     Catalogue(CRM_ENTITIES["account"]))
    assert translation.filter_text == "statecode eq 0 and customertypecode eq 3"
    assert translation.exact


def test_the_dataverse_era_company_filter_keeps_rows_of_this_company_or_none():
    translation = translate_bc_style(
        "StateCode = Active, CustomerTypeCode = Vendor, CompanyId = <CDS company id>|"
        "{00000000-0000-0000-0000-000000000000} (only when a CDS Company exists)",
        Catalogue(CRM_ENTITIES["account"]), placeholders=PLACEHOLDERS)
    assert translation.filter_text == (
        "statecode eq 0 and customertypecode eq 11 and "
        f"(_bcbi_companyid_value eq {COMPANY_ID} or _bcbi_companyid_value eq null)")


def test_the_contact_default_checks_the_parent_table_after_reading():
    translation = translate_bc_style(
        "ParentCustomerId <> '{00000000-0000-0000-0000-000000000000}', "
        "ParentCustomerIdType = account", Catalogue(CRM_ENTITIES["contact"]))
    assert translation.filter_text == "_parentcustomerid_value ne null"
    assert translation.matches({"parentcustomeridtype": "account"})
    assert not translation.matches({"parentcustomeridtype": "contact"})
    assert "cannot filter on this field" in translation.notes[0]
