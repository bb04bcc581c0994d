"""Small field catalogues shared by the filter tests."""

from mappings.filters import Catalogue, FieldSpec

CUSTOMER = Catalogue([
    FieldSpec.of("number", "code", "No.", number=1),
    FieldSpec.of("displayName", "text", "Name", number=2),
    FieldSpec.of("blocked", "option", "Blocked", number=39,
                 options=[" ", "Ship", "Invoice", "All"]),
    FieldSpec.of("balanceDue", "decimal", "Balance Due", number=59),
    FieldSpec.of("creditDays", "integer", "Credit Days", number=60),
    FieldSpec.of("taxLiable", "boolean", "Tax Liable", number=80),
    FieldSpec.of("lastInvoiceDate", "date", "Last Invoice Date", number=90),
    FieldSpec.of("lastModifiedDateTime", "datetime", "Last Modified", number=91),
    FieldSpec.of("currencyId", "guid", "Currency Id", number=92),
])

ACCOUNT = Catalogue([
    FieldSpec.of("name", "string", "Account Name", aliases=["Name"]),
    FieldSpec.of("statecode", "state", options={"Active": 0, "Inactive": 1}),
    FieldSpec.of("customertypecode", "picklist", "Relationship Type",
                 options={"Competitor": 1, "Consultant": 2, "Customer": 3, "Vendor": 11}),
    FieldSpec.of("creditlimit", "money"),
    FieldSpec.of("modifiedon", "datetime"),
    FieldSpec.of("_parentcustomerid_value", "lookup"),
    FieldSpec.of("_bcbi_companyid_value", "lookup", aliases=["CompanyId"]),
    FieldSpec.of("donotemail", "boolean"),
])
