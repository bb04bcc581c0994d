"""Business Central API v2.0 entities and OData V4 pages the sandbox serves.

Fields and enum members follow protocols.md 4.3; pages the API lacks (resources, customer price
groups, sales prices, shipping agents, item availability, plus the Customer card for fields
API v2.0 does not expose) use the OData page naming with underscores (protocols.md 4.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EMPTY = "00000000-0000-0000-0000-000000000000"
NO_DATE = "0001-01-01"


@dataclass
class BcEntity:
    """An API v2.0 entity set (``companies(<id>)/<name>``)."""

    name: str
    type_name: str
    fields: dict[str, Any]
    series: tuple[str, int, int, int] | None = None  # prefix, first, step, digits
    number_field: str | None = None
    lines: str | None = None
    parent: str | None = None
    read_only: set[str] = field(default_factory=set)


def _fields(spec: str, **defaults: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in spec.split():
        result[name] = defaults.get(name, "")
    return result


ADDRESS = "addressLine1 addressLine2 city state country postalCode"
PARTY_ADDRESSES = " ".join(
    f"{p}{s}"
    for p in ("sellTo", "billTo", "shipTo")
    for s in ("AddressLine1", "AddressLine2", "City", "Country", "State", "PostCode")
)
DOCUMENT = (
    "id number externalDocumentNumber postingDate customerId customerNumber customerName "
    "billToName billToCustomerId billToCustomerNumber shipToName shipToContact "
    f"{PARTY_ADDRESSES} currencyId currencyCode paymentTermsId shipmentMethodId salesperson "
    "discountAmount discountAppliedBeforeTax totalAmountExcludingTax totalTaxAmount "
    "totalAmountIncludingTax status lastModifiedDateTime phoneNumber email"
)
DOCUMENT_DEFAULTS = dict(
    customerId=EMPTY,
    billToCustomerId=EMPTY,
    currencyId=EMPTY,
    paymentTermsId=EMPTY,
    shipmentMethodId=EMPTY,
    discountAmount=0,
    discountAppliedBeforeTax=False,
    totalAmountExcludingTax=0,
    totalTaxAmount=0,
    totalAmountIncludingTax=0,
    status="Draft",
    postingDate=NO_DATE,
)
LINE = (
    "id documentId sequence itemId accountId lineType lineObjectNumber description "
    "description2 unitOfMeasureId unitOfMeasureCode quantity unitPrice discountAmount "
    "discountPercent discountAppliedBeforeTax amountExcludingTax taxCode taxPercent "
    "totalTaxAmount amountIncludingTax invoiceDiscountAllocation netAmount netTaxAmount "
    "netAmountIncludingTax itemVariantId locationId"
)
LINE_DEFAULTS = dict(
    itemId=EMPTY,
    accountId=EMPTY,
    lineType="Item",
    unitOfMeasureId=EMPTY,
    quantity=0,
    unitPrice=0,
    discountAmount=0,
    discountPercent=0,
    discountAppliedBeforeTax=False,
    amountExcludingTax=0,
    taxPercent=0,
    totalTaxAmount=0,
    amountIncludingTax=0,
    invoiceDiscountAllocation=0,
    netAmount=0,
    netTaxAmount=0,
    netAmountIncludingTax=0,
    itemVariantId=EMPTY,
    locationId=EMPTY,
    sequence=0,
)
DOC_READ_ONLY = {
    "customerName",
    "totalAmountExcludingTax",
    "totalTaxAmount",
    "totalAmountIncludingTax",
    "lastModifiedDateTime",
}
LINE_READ_ONLY = {
    "amountExcludingTax",
    "amountIncludingTax",
    "netAmount",
    "netTaxAmount",
    "netAmountIncludingTax",
    "totalTaxAmount",
    "lastModifiedDateTime",
}


def _entities() -> list[BcEntity]:
    return [
        BcEntity(
            "customers",
            "customer",
            _fields(
                f"id number displayName type {ADDRESS} phoneNumber email website salespersonCode "
                "balanceDue creditLimit taxLiable taxAreaId taxAreaDisplayName "
                "taxRegistrationNumber "
                "currencyId currencyCode paymentTermsId shipmentMethodId paymentMethodId blocked "
                "lastModifiedDateTime",
                type="Company",
                balanceDue=0,
                creditLimit=0,
                taxLiable=False,
                taxAreaId=EMPTY,
                currencyId=EMPTY,
                paymentTermsId=EMPTY,
                shipmentMethodId=EMPTY,
                paymentMethodId=EMPTY,
                blocked=" ",
            ),
            ("C", 10, 10, 5),
            "number",
            read_only={"balanceDue", "lastModifiedDateTime"},
        ),
        BcEntity(
            "vendors",
            "vendor",
            _fields(
                f"id number displayName {ADDRESS} phoneNumber email website taxRegistrationNumber "
                "currencyId currencyCode irs1099Code paymentTermsId paymentMethodId taxLiable "
                "blocked "
                "balance lastModifiedDateTime",
                currencyId=EMPTY,
                paymentTermsId=EMPTY,
                paymentMethodId=EMPTY,
                taxLiable=False,
                blocked=" ",
                balance=0,
            ),
            ("V", 10, 10, 5),
            "number",
            read_only={"balance", "lastModifiedDateTime"},
        ),
        BcEntity(
            "contacts",
            "contact",
            _fields(
                f"id number type displayName jobTitle companyNumber companyName "
                f"contactBusinessRelation {ADDRESS} phoneNumber mobilePhoneNumber email website "
                "searchName privacyBlocked taxRegistrationNumber lastInteractionDate "
                "lastModifiedDateTime",
                type="Person",
                contactBusinessRelation="None",
                privacyBlocked=False,
                lastInteractionDate=NO_DATE,
            ),
            ("CT", 200, 10, 6),
            "number",
        ),
        BcEntity(
            "currencies",
            "currency",
            _fields(
                "id code displayName symbol amountDecimalPlaces amountRoundingPrecision "
                "lastModifiedDateTime",
                amountDecimalPlaces="2:2",
                amountRoundingPrecision=0.01,
            ),
            number_field="code",
        ),
        BcEntity(
            "items",
            "item",
            _fields(
                "id number displayName displayName2 type itemCategoryId itemCategoryCode "
                "blocked gtin "
                "inventory unitPrice priceIncludesTax unitCost taxGroupId taxGroupCode "
                "baseUnitOfMeasureId baseUnitOfMeasureCode generalProductPostingGroupId "
                "generalProductPostingGroupCode inventoryPostingGroupId inventoryPostingGroupCode "
                "lastModifiedDateTime",
                type="Inventory",
                itemCategoryId=EMPTY,
                blocked=False,
                inventory=0,
                unitPrice=0,
                priceIncludesTax=False,
                unitCost=0,
                taxGroupId=EMPTY,
                baseUnitOfMeasureId=EMPTY,
                generalProductPostingGroupId=EMPTY,
                inventoryPostingGroupId=EMPTY,
            ),
            ("", 70000, 10, 0),
            "number",
            read_only={"inventory", "lastModifiedDateTime"},
        ),
        BcEntity(
            "unitsOfMeasure",
            "unitOfMeasure",
            _fields("id code displayName internationalStandardCode symbol lastModifiedDateTime"),
            number_field="code",
        ),
        BcEntity(
            "itemCategories",
            "itemCategory",
            _fields("id code displayName lastModifiedDateTime"),
            number_field="code",
        ),
        BcEntity(
            "paymentTerms",
            "paymentTerm",
            _fields(
                "id code displayName dueDateCalculation discountDateCalculation discountPercent "
                "calculateDiscountOnCreditMemos lastModifiedDateTime",
                discountPercent=0,
                calculateDiscountOnCreditMemos=False,
            ),
            number_field="code",
        ),
        BcEntity(
            "shipmentMethods",
            "shipmentMethod",
            _fields("id code displayName lastModifiedDateTime"),
            number_field="code",
        ),
        # The company's own data, among it the local currency (LCY) that blank currency codes
        # stand for.
        BcEntity(
            "companyInformation",
            "companyInformation",
            _fields(
                "id displayName addressLine1 addressLine2 city state country postalCode "
                "phoneNumber faxNumber email website taxRegistrationNumber currencyCode "
                "currentFiscalYearStartDate industry lastModifiedDateTime"
            ),
        ),
        BcEntity(
            "salespeoplePurchasers",
            "salespersonPurchaser",
            _fields(
                "id code displayName email email2 phoneNo jobTitle commisionPercent privacyBlocked "
                "blocked lastModifiedDateTime",
                commisionPercent=0,
                privacyBlocked=False,
                blocked=False,
            ),
            number_field="code",
        ),
        BcEntity(
            "opportunities",
            "opportunity",
            _fields(
                "id number contactNumber contactName contactCompanyName salespersonCode "
                "description "
                "status closed creationDate dateClosed calculatedCurrentValue chancesOfSuccessPrc "
                "completedPrc estimatedClosingDate estimatedValue systemCreatedAt "
                "lastModifiedDateTime",
                status="Not_x0020_Started",
                closed=False,
                creationDate=NO_DATE,
                dateClosed=NO_DATE,
                calculatedCurrentValue=0,
                chancesOfSuccessPrc=0,
                completedPrc=0,
                estimatedClosingDate=NO_DATE,
                estimatedValue=0,
            ),
            ("OP", 100, 10, 6),
            "number",
        ),
        BcEntity(
            "salesOrders",
            "salesOrder",
            _fields(
                f"{DOCUMENT} orderDate pricesIncludeTax partialShipping requestedDeliveryDate "
                "fullyShipped shortcutDimension1Code shortcutDimension2Code",
                **DOCUMENT_DEFAULTS,
                orderDate=NO_DATE,
                pricesIncludeTax=False,
                partialShipping=True,
                requestedDeliveryDate=NO_DATE,
                fullyShipped=False,
            ),
            ("", 101001, 1, 0),
            "number",
            lines="salesOrderLines",
            read_only=DOC_READ_ONLY,
        ),
        BcEntity(
            "salesOrderLines",
            "salesOrderLine",
            _fields(
                f"{LINE} shipmentDate shippedQuantity invoicedQuantity invoiceQuantity "
                "shipQuantity",
                **LINE_DEFAULTS,
                shipmentDate=NO_DATE,
                shippedQuantity=0,
                invoicedQuantity=0,
                invoiceQuantity=0,
                shipQuantity=0,
            ),
            parent="salesOrders",
            read_only=LINE_READ_ONLY,
        ),
        BcEntity(
            "salesQuotes",
            "salesQuote",
            _fields(
                f"{DOCUMENT} documentDate dueDate sentDate validUntilDate acceptedDate",
                **DOCUMENT_DEFAULTS,
                documentDate=NO_DATE,
                dueDate=NO_DATE,
                sentDate=NO_DATE,
                validUntilDate=NO_DATE,
                acceptedDate=NO_DATE,
            ),
            ("", 1001, 1, 0),
            "number",
            lines="salesQuoteLines",
            read_only=DOC_READ_ONLY,
        ),
        BcEntity(
            "salesQuoteLines",
            "salesQuoteLine",
            _fields(LINE, **LINE_DEFAULTS),
            parent="salesQuotes",
            read_only=LINE_READ_ONLY,
        ),
        BcEntity(
            "salesInvoices",
            "salesInvoice",
            _fields(
                f"{DOCUMENT} invoiceDate dueDate promisedPayDate customerPurchaseOrderReference "
                "orderId orderNumber remainingAmount pricesIncludeTax",
                **DOCUMENT_DEFAULTS,
                invoiceDate=NO_DATE,
                dueDate=NO_DATE,
                promisedPayDate=NO_DATE,
                orderId=EMPTY,
                remainingAmount=0,
                pricesIncludeTax=False,
            ),
            ("", 103001, 1, 0),
            "number",
            lines="salesInvoiceLines",
            read_only=DOC_READ_ONLY | {"remainingAmount", "orderId", "orderNumber"},
        ),
        BcEntity(
            "salesInvoiceLines",
            "salesInvoiceLine",
            _fields(LINE, **LINE_DEFAULTS),
            parent="salesInvoices",
            read_only=LINE_READ_ONLY,
        ),
        BcEntity(
            "customerFinancialDetails",
            "customerFinancialDetail",
            _fields(
                "id number balance totalSalesExcludingTax overdueAmount",
                balance=0,
                totalSalesExcludingTax=0,
                overdueAmount=0,
            ),
        ),
    ]


ENTITIES: dict[str, BcEntity] = {e.name: e for e in _entities()}
# Single-valued navigations for $expand: name -> (id field, target entity set).
NAVIGATIONS = {
    "customer": ("customerId", "customers"),
    "currency": ("currencyId", "currencies"),
    "paymentTerm": ("paymentTermsId", "paymentTerms"),
    "shipmentMethod": ("shipmentMethodId", "shipmentMethods"),
    "itemCategory": ("itemCategoryId", "itemCategories"),
    "unitOfMeasure": ("baseUnitOfMeasureId", "unitsOfMeasure"),
    "item": ("itemId", "items"),
    "customerFinancialDetail": ("id", "customerFinancialDetails"),
}


@dataclass
class Page:
    """An OData V4 page published as a web service; ``keys`` are the page key fields."""

    name: str
    keys: tuple[str, ...]
    fields: tuple[str, ...]


def _page(name: str, keys: str, fields: str) -> Page:
    common = "SystemId SystemModifiedAt"
    return Page(name, tuple(keys.split()), tuple(f"{keys} {fields} {common}".split()))


PAGES: dict[str, Page] = {
    p.name: p
    for p in [
        _page(
            "Resources",
            "No",
            "Name Type Base_Unit_of_Measure Unit_Price Unit_Cost Capacity "
            "Blocked Resource_Group_No Search_Name",
        ),
        _page(
            "CustomerPriceGroups",
            "Code",
            "Description Allow_Invoice_Disc Price_Includes_VAT Allow_Line_Disc",
        ),
        _page(
            "SalesPrices",
            "Item_No Sales_Type Sales_Code Starting_Date Currency_Code "
            "Unit_of_Measure_Code Minimum_Quantity",
            "Unit_Price Ending_Date",
        ),
        _page("ShippingAgents", "Code", "Name Internet_Address"),
        _page(
            "ItemAvailability",
            "No",
            "Description Inventory Qty_on_Sales_Order "
            "Qty_on_Purch_Order Available_Inventory Base_Unit_of_Measure",
        ),
        # Table 2000000068 Record Link published as a web service: notes on records.
        _page("RecordLinks", "Link_ID", "Record_ID Description Type Note Created User_ID"),
        _page(
            "Customer",
            "No",
            "Name Address Address_2 City County Post_Code "
            "Country_Region_Code Contact Primary_Contact_No Phone_No Fax_No E_Mail Home_Page "
            "Credit_Limit_LCY Currency_Code Salesperson_Code Payment_Terms_Code "
            "Shipment_Method_Code Shipping_Agent_Code Customer_Price_Group Blocked",
        ),
    ]
}
