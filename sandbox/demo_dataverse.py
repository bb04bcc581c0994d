"""Demo Sales environment: organization, users and roles, currencies, accounts (some matching
BC customers by name, some not), contacts, an opportunity and a submitted order. Nothing is
coupled to Business Central."""

from __future__ import annotations

from typing import Any

from sandbox import credentials as creds
from sandbox.dataverse_options import default_state
from sandbox.dataverse_schema import ENTITIES

BULK_MESSAGES = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
# Tables no bulk message is available for: the message tables themselves and the user-role
# links (an intersect table).
NO_BULK_MESSAGES = ("sdkmessage", "sdkmessagefilter", "systemuserroles")

Rows = dict[str, list[dict[str, Any]]]
SYSTEM_ADMINISTRATOR_TEMPLATE = "627090ff-40a3-4053-8790-584edc5be201"
# Fixed role ids BC checks for (bc-integration.md 4.4).
INTEGRATION_ADMINISTRATOR_ROLE = "8c8d4f51-a72b-e511-80d9-3863bb349780"
INTEGRATION_USER_ROLE = "6f960e32-a72b-e511-80d9-3863bb349780"
ROLES = [
    ("System Administrator", SYSTEM_ADMINISTRATOR_TEMPLATE),
    ("System Customizer", "119f245c-3cc8-4b62-b31c-d1a046ced15d"),
    ("Solution Customizer", "2a3e8f64-0c4d-4cfd-9e3d-d3d3f1a7a001"),
    ("Salesperson", "ad7a0d7b-5d43-4c52-9d2b-6b3a2b0b4c11"),
    ("Basic User", "d0c7ecbc-6f3c-4f5b-8a2b-7c1e9f3e4d21"),
    ("Dynamics 365 Business Central Integration Administrator", None),
    ("Dynamics 365 Business Central Integration User", None),
    # The solution's third role (lets people query item availability); no fixed id.
    ("Dynamics 365 Business Central Product Availability User", None),
]
CURRENCIES = [
    ("USD", "US Dollar", "$", 1.0),
    ("EUR", "Euro", "€", 0.92),
    ("GBP", "Pound Sterling", "£", 0.79),
    ("CAD", "Canadian Dollar", "$", 1.36),
    ("DKK", "Danish Krone", "kr", 6.87),
]
MATCHING_ACCOUNTS = ["Adatum Corporation", "Trey Research", "Alpine Ski House", "Relecloud"]
OTHER_ACCOUNTS = [
    "A. Datum Consulting",
    "Blue Yonder Airlines",
    "City Power & Light",
    "Margie's Travel",
    "Proseware, Inc.",
]


class Builder:
    """Creates complete Dataverse rows with system columns set."""

    def __init__(self, state: dict[str, Any], rows: Rows) -> None:
        self.state, self.rows, self.version = state, rows, 1000000
        self.user_id = creds.stable_id(state, "dv:systemuser", "SYSTEM")
        self.business_unit = creds.stable_id(state, "dv:businessunit", "root")

    def add(self, logical: str, key: str, **values: Any) -> dict[str, Any]:
        """One row of ``logical``; ``key`` seeds its deterministic id."""
        entity = ENTITIES[logical]
        self.version += 1
        stamp = (
            f"2024-04-01T{(self.version // 3600) % 24:02d}:{(self.version // 60) % 60:02d}:"
            f"{self.version % 60:02d}Z"
        )
        row: dict[str, Any] = {a.value_name: None for a in entity.attributes.values()}
        row.update(
            createdon=stamp,
            modifiedon=stamp,
            _createdby_value=self.user_id,
            _modifiedby_value=self.user_id,
            versionnumber=self.version,
        )
        state = default_state(logical)
        if state is not None:
            row["statecode"], row["statuscode"] = state
        if entity.ownership == "UserOwned":
            row.update(
                _ownerid_value=self.user_id,
                owneridtype="systemuser",
                _owninguser_value=self.user_id,
                _owningbusinessunit_value=self.business_unit,
            )
        row.update(values)
        row[entity.primary_id] = values.get(entity.primary_id) or creds.stable_id(
            self.state, f"dv:{logical}", key
        )
        if logical in ("contact", "systemuser"):
            row["fullname"] = " ".join(p for p in (row.get("firstname"), row.get("lastname")) if p)
        self.rows.setdefault(logical, []).append(row)
        return row


def seed_dataverse(state: dict[str, Any], rows: Rows) -> Builder:
    """Add the demo Sales environment's rows to ``rows``."""
    b = Builder(state, rows)
    b.add(
        "businessunit", "root", businessunitid=b.business_unit, name="cronussales", isdisabled=False
    )
    currencies = {
        code: b.add(
            "transactioncurrency",
            code,
            isocurrencycode=code,
            currencyname=name,
            currencysymbol=symbol,
            exchangerate=rate,
            currencyprecision=2,
        )
        for code, name, symbol, rate in CURRENCIES
    }
    usd = currencies["USD"]["transactioncurrencyid"]
    b.add(
        "organization",
        "org",
        organizationid=state["organization_id"],
        name="CRONUS Sales",
        _basecurrencyid_value=usd,
        basecurrencysymbol="$",
        currencysymbol="$",
        currencydecimalprecision=2,
        pricingdecimalprecision=2,
        issopintegrationenabled=False,
        maxuploadfilesize=5242880,
        expirechangetrackingindays=7,
    )
    b.add(
        "team",
        "default",
        name="cronussales",
        teamtype=0,
        isdefault=True,
        _businessunitid_value=b.business_unit,
    )
    roles = _roles(b)
    _users(b, state, roles)
    _solutions(b)
    _messages(b)
    _sales_data(b, usd)
    return b


def _messages(b: Builder) -> None:
    """The bulk messages, each available for every table (sdkmessagefilter rows)."""
    for name in BULK_MESSAGES:
        message = b.add("sdkmessage", name, name=name)
        for logical in ENTITIES:
            if logical not in NO_BULK_MESSAGES:
                b.add("sdkmessagefilter", f"{name}:{logical}", name=f"{name} {logical}",
                      primaryobjecttypecode=logical, _sdkmessageid_value=message["sdkmessageid"])


def _roles(b: Builder) -> dict[str, str]:
    roles = {}
    for name, template in ROLES:
        fixed = {
            "Dynamics 365 Business Central Integration Administrator": (
                INTEGRATION_ADMINISTRATOR_ROLE
            ),
            "Dynamics 365 Business Central Integration User": INTEGRATION_USER_ROLE,
        }.get(name)
        values = {"roleid": fixed} if fixed else {}
        row = b.add(
            "role",
            name,
            name=name,
            _businessunitid_value=b.business_unit,
            _roletemplateid_value=template,
            ismanaged=True,
            **values,
        )
        roles[name] = row["roleid"]
    return roles


def _user(
    b: Builder,
    email: str,
    first: str,
    last: str,
    roles: list[str],
    all_roles: dict[str, str],
    **values: Any,
) -> dict[str, Any]:
    defaults = dict(
        firstname=first,
        lastname=last,
        internalemailaddress=email,
        domainname=email,
        isdisabled=False,
        islicensed=True,
        isintegrationuser=False,
        accessmode=0,
        _businessunitid_value=b.business_unit,
        azureactivedirectoryobjectid=creds.stable_id(b.state, "user", email),
    )
    row = b.add("systemuser", email, **{**defaults, **values})
    for role in roles:
        link_id = f"{row['systemuserid']}:{all_roles[role]}"
        b.rows.setdefault("systemuserroles", []).append(
            {
                "systemuserroleid": link_id,
                "systemuserid": row["systemuserid"],
                "roleid": all_roles[role],
            }
        )
    return row


def _users(b: Builder, state: dict[str, Any], roles: dict[str, str]) -> None:
    system = b.add(
        "systemuser",
        "SYSTEM",
        systemuserid=b.user_id,
        firstname="",
        lastname="SYSTEM",
        isdisabled=False,
        islicensed=False,
        isintegrationuser=False,
        accessmode=1,
        _businessunitid_value=b.business_unit,
    )
    system["fullname"] = "SYSTEM"
    integration = [
        "Dynamics 365 Business Central Integration Administrator",
        "Dynamics 365 Business Central Integration User",
        "Dynamics 365 Business Central Product Availability User",
        "Basic User",
    ]
    _user(
        b, creds.INTEGRATION_USER, "BC", "Integration", integration, roles, isintegrationuser=True
    )
    _user(
        b,
        creds.ADMIN_USER,
        "Sandbox",
        "Administrator",
        ["System Administrator", "System Customizer", "Solution Customizer"],
        roles,
    )
    app = _user(
        b,
        f"app-{state['client_id']}",
        "# bcsales",
        "integration app",
        [*integration, "System Customizer"],
        roles,
        applicationid=state["client_id"],
        islicensed=False,
        accessmode=4,
    )
    app.update(
        internalemailaddress=None,
        domainname=None,
        azureactivedirectoryobjectid=creds.stable_id(state, "app", state["client_id"]),
    )
    for pool_app in creds.pool_apps(state):
        _application_user(b, pool_app["client_id"], pool_app["name"], roles)
    for user in creds.sales_users():
        _user(
            b,
            user["email"],
            user["first"],
            user["last"],
            ["Salesperson", "Basic User"],
            roles,
            isdisabled=not user["enabled"],
            islicensed=user["licensed"],
        )


def _application_user(b: Builder, client_id: str, name: str, roles: dict[str, str]) -> None:
    """An application user as the Power Platform admin center creates it: only Basic User, the
    integration roles come from Redeploy Integration Solution."""
    first, _, last = name.rpartition(" ")
    row = _user(b, f"app-{client_id}", first, last, ["Basic User"], roles,
                applicationid=client_id, islicensed=False, accessmode=4)
    row.update(internalemailaddress=None, domainname=None,
               azureactivedirectoryobjectid=creds.stable_id(b.state, "app", client_id))


def _solutions(b: Builder) -> None:
    for unique, friendly, version in (
        ("Default", "Default Solution", "1.0"),
        ("msdynce_Sales", "Dynamics 365 Sales", "9.2.24101.1001"),
        (
            "MicrosoftDynamicsNavIntegration",
            "Dynamics 365 Business Central Integration",
            "24.0.0.0",
        ),
    ):
        b.add(
            "solution",
            unique,
            uniquename=unique,
            friendlyname=friendly,
            version=version,
            ismanaged=unique != "Default",
            installedon="2024-04-01T00:00:00Z",
        )


def _sales_data(b: Builder, usd: str) -> None:
    accounts = {}
    for index, name in enumerate(MATCHING_ACCOUNTS + OTHER_ACCOUNTS):
        accounts[name] = b.add(
            "account",
            name,
            name=name,
            customertypecode=3,
            accountcategorycode=2,
            telephone1=f"555-01{index:02d}",
            address1_city="Atlanta",
            address1_country="US",
            _transactioncurrencyid_value=usd,
            exchangerate=1.0,
            paymenttermscode=1,
        )
    b.add(
        "account",
        "Lucerne Publishing",
        name="Lucerne Publishing",
        customertypecode=11,
        _transactioncurrencyid_value=usd,
    )
    b.add(
        "account",
        "Old Customer",
        name="Old Customer Ltd.",
        customertypecode=3,
        statecode=1,
        statuscode=2,
        _transactioncurrencyid_value=usd,
    )
    for first, last, account in (
        ("Robert", "Townes", "Adatum Corporation"),
        ("Helen", "Ray", "Trey Research"),
        ("Karen", "Berg", "Blue Yonder Airlines"),
    ):
        b.add(
            "contact",
            f"{first} {last}",
            firstname=first,
            lastname=last,
            emailaddress1=f"{first}.{last}@contoso.com".lower(),
            _parentcustomerid_value=accounts[account]["accountid"],
            parentcustomeridtype="account",
            _transactioncurrencyid_value=usd,
        )
    b.add(
        "opportunity",
        "Sales only",
        name="Sales-only opportunity",
        estimatedvalue=5000.0,
        _customerid_value=accounts["Blue Yonder Airlines"]["accountid"],
        customeridtype="account",
        _parentaccountid_value=accounts["Blue Yonder Airlines"]["accountid"],
        _transactioncurrencyid_value=usd,
    )
    order = b.add(
        "salesorder",
        "SO-1",
        name="Order from Sales",
        ordernumber="ORD-01001-SANDBOX",
        _customerid_value=accounts["Adatum Corporation"]["accountid"],
        customeridtype="account",
        statecode=1,
        statuscode=3,
        _transactioncurrencyid_value=usd,
        totalamount=500.0,
        totalamountlessfreight=500.0,
    )
    b.add(
        "salesorderdetail",
        "SO-1:1",
        _salesorderid_value=order["salesorderid"],
        isproductoverridden=True,
        productdescription="Write-in consulting",
        quantity=5.0,
        priceperunit=100.0,
        baseamount=500.0,
        extendedamount=500.0,
        lineitemnumber=1,
        _transactioncurrencyid_value=usd,
    )
