"""Choice (option set) values and labels, and state/status pairs per table.

Values come from BC's CRM proxy tables and the Dataverse defaults listed in protocols.md 2.2.
"""

from __future__ import annotations

OPTION_SETS: dict[str, dict[int, str]] = {
    "accountcategorycode": {1: "Preferred Customer", 2: "Standard"},
    "customertypecode": {
        1: "Competitor",
        2: "Consultant",
        3: "Customer",
        4: "Investor",
        5: "Partner",
        6: "Influencer",
        7: "Press",
        8: "Prospect",
        9: "Reseller",
        10: "Supplier",
        11: "Vendor",
        12: "Other",
    },
    "paymenttermscode": {1: "Net 30", 2: "2% 10; Net 30", 3: "Net 45", 4: "Net 60"},
    "freighttermscode": {1: "FOB", 2: "No Charge"},
    "shippingmethodcode": {
        1: "Airborne",
        2: "DHL",
        3: "FedEx",
        4: "UPS",
        5: "Postal Mail",
        6: "Full Load",
        7: "Will Call",
    },
    "address1_addresstypecode": {1: "Bill To", 2: "Ship To", 3: "Primary", 4: "Other"},
    "preferredcontactmethodcode": {1: "Any", 2: "Email", 3: "Phone", 4: "Fax", 5: "Mail"},
    "producttypecode": {
        1: "Sales Inventory",
        2: "Miscellaneous Charges",
        3: "Services",
        4: "Flat Fees",
    },
    "productstructure": {1: "Product", 2: "Product Family", 3: "Product Bundle"},
    "pricingmethodcode": {
        1: "Currency Amount",
        2: "Percent of List",
        3: "Percent Markup - Current Cost",
        4: "Percent Margin - Current Cost",
        5: "Percent Markup - Standard Cost",
        6: "Percent Margin - Standard Cost",
    },
    "quantitysellingcode": {1: "No Control", 2: "Whole", 3: "Whole and Fractional"},
    "opportunityratingcode": {1: "Hot", 2: "Warm", 3: "Cold"},
    "prioritycode": {1: "Default Value"},
    "gendercode": {1: "Male", 2: "Female"},
    "accessmode": {
        0: "Read-Write",
        1: "Administrative",
        2: "Read",
        3: "Support User",
        4: "Non-interactive",
        5: "Delegated Admin",
    },
    "teamtype": {0: "Owner", 1: "Access", 2: "Security Group", 3: "Office Group"},
}

# logical name -> (state options, status options as value -> (label, state)); first status of a
# state is its default.
ACTIVE_INACTIVE = ({0: "Active", 1: "Inactive"}, {1: ("Active", 0), 2: ("Inactive", 1)})
STATES: dict[str, tuple[dict[int, str], dict[int, tuple[str, int]]]] = {
    "account": ACTIVE_INACTIVE,
    "contact": ACTIVE_INACTIVE,
    "transactioncurrency": ACTIVE_INACTIVE,
    "uomschedule": ACTIVE_INACTIVE,
    "nav_connection": ACTIVE_INACTIVE,
    "nav_defaultconnection": ACTIVE_INACTIVE,
    "nav_accountstatistics": ACTIVE_INACTIVE,
    "bcbi_company": ACTIVE_INACTIVE,
    "product": (
        {0: "Active", 1: "Retired", 2: "Draft", 3: "Under Revision"},
        {1: ("Active", 0), 2: ("Retired", 1), 0: ("Draft", 2), 3: ("Under Revision", 3)},
    ),
    "pricelevel": ({0: "Active", 1: "Inactive"}, {100001: ("Active", 0), 100002: ("Inactive", 1)}),
    "opportunity": (
        {0: "Open", 1: "Won", 2: "Lost"},
        {
            1: ("In Progress", 0),
            2: ("On Hold", 0),
            3: ("Won", 1),
            4: ("Canceled", 2),
            5: ("Out-Sold", 2),
        },
    ),
    "quote": (
        {0: "Draft", 1: "Active", 2: "Won", 3: "Closed"},
        {
            1: ("In Progress", 0),
            2: ("In Progress", 1),
            3: ("Open", 1),
            4: ("Won", 2),
            5: ("Lost", 3),
            6: ("Canceled", 3),
            7: ("Revised", 3),
        },
    ),
    "salesorder": (
        {0: "Active", 1: "Submitted", 2: "Canceled", 3: "Fulfilled", 4: "Invoiced"},
        {
            1: ("New", 0),
            2: ("Pending", 0),
            3: ("In Progress", 1),
            4: ("No Money", 2),
            100001: ("Complete", 3),
            100002: ("Partial", 3),
            100003: ("Invoiced", 4),
        },
    ),
    "invoice": (
        {0: "Active", 1: "Closed", 2: "Paid", 3: "Canceled"},
        {
            1: ("New", 0),
            2: ("Partially Shipped", 0),
            4: ("Billed", 0),
            5: ("Booked", 0),
            6: ("Installed", 0),
            7: ("Paid in Full", 1),
            100001: ("Complete", 2),
            100002: ("Partial", 2),
            3: ("Canceled", 3),
            100003: ("Canceled", 3),
        },
    ),
}
# Tables whose new rows do not start in state 0 (protocols.md 6, item 3: products start Draft).
DEFAULT_STATE = {"product": 2}


def default_state(logical_name: str) -> tuple[int, int] | None:
    """(statecode, statuscode) of a new row, or None for tables without state."""
    if logical_name not in STATES:
        return None
    state = DEFAULT_STATE.get(logical_name, 0)
    status = next(v for v, (_, s) in STATES[logical_name][1].items() if s == state)
    return state, status
