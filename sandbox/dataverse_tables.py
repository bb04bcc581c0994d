"""The columns of every Dataverse table the sandbox emulates, as compact specs.

Each table is ``logical name: (entity set, primary id, primary name, ownership, columns)`` and
each column ``name:Type[:detail]`` (sandbox.dataverse_schema parses them). Names and values
follow protocols.md 2.2-2.3 (from BC's CRM proxy tables) and cover every entity and attribute of
the default integration table mappings (bc-default-mappings.json).
"""

from __future__ import annotations

COMMON = (
    "createdon:DateTime:ro modifiedon:DateTime:ro createdby:Lookup:systemuser "
    "modifiedby:Lookup:systemuser versionnumber:BigInt:ro"
)
OWNED = (
    "ownerid:Owner:systemuser|team owneridtype:EntityName owningbusinessunit:Lookup:businessunit "
    "owninguser:Lookup:systemuser owningteam:Lookup:team"
)
MONEY = "transactioncurrencyid:Lookup:transactioncurrency exchangerate:Decimal"
ADDRESS1 = (
    " ".join(
        f"address1_{n}:String:250"
        for n in (
            "name",
            "line1",
            "line2",
            "line3",
            "city",
            "postalcode",
            "country",
            "stateorprovince",
            "county",
            "telephone1",
            "primarycontactname",
        )
    )
    + " address1_freighttermscode:Picklist:freighttermscode "
    "address1_shippingmethodcode:Picklist:shippingmethodcode address1_addresstypecode:Picklist"
)
BILL_SHIP = " ".join(
    f"{p}_{n}:String:250"
    for p in ("billto", "shipto")
    for n in (
        "name",
        "line1",
        "line2",
        "line3",
        "city",
        "postalcode",
        "country",
        "stateorprovince",
        "contactname",
        "telephone",
    )
)
TOTALS = (
    "totalamount:Money totalamountlessfreight:Money discountamount:Money "
    "discountpercentage:Decimal freightamount:Money totaltax:Money totallineitemamount:Money "
    "totallineitemdiscountamount:Money totaldiscountamount:Money "
    "paymenttermscode:Picklist shippingmethodcode:Picklist freighttermscode:Picklist "
    "pricelevelid:Lookup:pricelevel customerid:Customer:account|contact "
    "customeridtype:EntityName opportunityid:Lookup:opportunity description:Memo:2000 "
    "bcbi_companyid:Lookup:bcbi_company"
)
LINE = (
    "productid:Lookup:product uomid:Lookup:uom quantity:Decimal priceperunit:Money "
    "baseamount:Money extendedamount:Money manualdiscountamount:Money "
    "volumediscountamount:Money tax:Money ispriceoverridden:Boolean "
    "isproductoverridden:Boolean productdescription:String:500 description:Memo:2000 "
    "lineitemnumber:Integer sequencenumber:Integer"
)

SPECS: dict[str, tuple[str, str, str, str, str]] = {
    # logical name: (entity set, primary id, primary name, ownership, columns)
    "systemuser": (
        "systemusers",
        "systemuserid",
        "fullname",
        "BusinessOwned",
        "firstname:String:64 lastname:String:64 fullname:String:200 "
        "internalemailaddress:String:100 domainname:String:1024 "
        "mobilephone:String:64 address1_telephone1:String:64 title:String:128 "
        "isdisabled:Boolean islicensed:Boolean isintegrationuser:Boolean "
        "applicationid:Uniqueidentifier azureactivedirectoryobjectid:Uniqueidentifier "
        "accessmode:Picklist businessunitid:Lookup:businessunit",
    ),
    "team": (
        "teams",
        "teamid",
        "name",
        "BusinessOwned",
        "name:String:160 teamtype:Picklist isdefault:Boolean description:Memo:2000 "
        "businessunitid:Lookup:businessunit administratorid:Lookup:systemuser "
        "azureactivedirectoryobjectid:Uniqueidentifier",
    ),
    "businessunit": (
        "businessunits",
        "businessunitid",
        "name",
        "BusinessOwned",
        "name:String:160 divisionname:String:100 isdisabled:Boolean "
        "parentbusinessunitid:Lookup:businessunit",
    ),
    "role": (
        "roles",
        "roleid",
        "name",
        "BusinessOwned",
        "name:String:100 businessunitid:Lookup:businessunit "
        "roletemplateid:Lookup:roletemplate ismanaged:Boolean",
    ),
    "systemuserroles": (
        "systemuserrolescollection",
        "systemuserroleid",
        "systemuserroleid",
        "None",
        "systemuserid:Uniqueidentifier roleid:Uniqueidentifier",
    ),
    "organization": (
        "organizations",
        "organizationid",
        "name",
        "None",
        "name:String:160 basecurrencyid:Lookup:transactioncurrency "
        "basecurrencysymbol:String:5 currencydecimalprecision:Integer "
        "pricingdecimalprecision:Integer currencysymbol:String:5 "
        "issopintegrationenabled:Boolean maxuploadfilesize:Integer "
        "expirechangetrackingindays:Integer",
    ),
    "transactioncurrency": (
        "transactioncurrencies",
        "transactioncurrencyid",
        "currencyname",
        "OrganizationOwned",
        "currencyname:String:100 isocurrencycode:String:5 "
        "currencysymbol:String:10 exchangerate:Decimal "
        "currencyprecision:Integer",
    ),
    "uomschedule": (
        "uomschedules",
        "uomscheduleid",
        "name",
        "OrganizationOwned",
        "name:String:200 baseuomname:String:100 description:Memo:2000",
    ),
    "uom": (
        "uoms",
        "uomid",
        "name",
        "None",
        "name:String:100 uomscheduleid:Lookup:uomschedule baseuom:Lookup:uom "
        "quantity:Decimal isschedulebaseuom:Boolean",
    ),
    "product": (
        "products",
        "productid",
        "name",
        "OrganizationOwned",
        "name:String:100 productnumber:String:100 description:Memo:2000 price:Money "
        "standardcost:Money currentcost:Money stockvolume:Decimal stockweight:Decimal "
        "vendorid:String:100 vendorname:String:100 vendorpartnumber:String:100 "
        "quantityonhand:Decimal quantitydecimal:Integer defaultuomid:Lookup:uom "
        "defaultuomscheduleid:Lookup:uomschedule pricelevelid:Lookup:pricelevel "
        "producttypecode:Picklist productstructure:Picklist "
        f"bcbi_companyid:Lookup:bcbi_company {MONEY}",
    ),
    "pricelevel": (
        "pricelevels",
        "pricelevelid",
        "name",
        "OrganizationOwned",
        "name:String:100 description:Memo:2000 begindate:DateTime enddate:DateTime "
        f"bcbi_companyid:Lookup:bcbi_company {MONEY}",
    ),
    "productpricelevel": (
        "productpricelevels",
        "productpricelevelid",
        "productnumber",
        "OrganizationOwned",
        "pricelevelid:Lookup:pricelevel productid:Lookup:product "
        "productnumber:String:100 uomid:Lookup:uom "
        "uomscheduleid:Lookup:uomschedule amount:Money pricingmethodcode:Picklist "
        f"quantitysellingcode:Picklist {MONEY}",
    ),
    "account": (
        "accounts",
        "accountid",
        "name",
        "UserOwned",
        "name:String:160 accountnumber:String:20 accountcategorycode:Picklist "
        "customertypecode:Picklist paymenttermscode:Picklist "
        "shippingmethodcode:Picklist preferredcontactmethodcode:Picklist "
        f"{ADDRESS1} telephone1:String:50 telephone2:String:50 fax:String:50 "
        "emailaddress1:String:100 emailaddress2:String:100 websiteurl:String:200 "
        "description:Memo:2000 creditlimit:Money creditonhold:Boolean revenue:Money "
        "numberofemployees:Integer primarycontactid:Lookup:contact "
        "parentaccountid:Lookup:account defaultpricelevelid:Lookup:pricelevel "
        "nav_accountstatisticsid:Lookup:nav_accountstatistics "
        f"bcbi_companyid:Lookup:bcbi_company {MONEY}",
    ),
    "contact": (
        "contacts",
        "contactid",
        "fullname",
        "UserOwned",
        "firstname:String:50 middlename:String:50 lastname:String:50 "
        f"fullname:String:160 jobtitle:String:100 {ADDRESS1} emailaddress1:String:100 "
        "emailaddress2:String:100 fax:String:50 websiteurl:String:200 "
        "mobilephone:String:50 pager:String:50 telephone1:String:50 "
        "telephone2:String:50 gendercode:Picklist description:Memo:2000 "
        "parentcustomerid:Customer:account|contact parentcustomeridtype:EntityName "
        f"preferredcontactmethodcode:Picklist bcbi_companyid:Lookup:bcbi_company {MONEY}",
    ),
    "opportunity": (
        "opportunities",
        "opportunityid",
        "name",
        "UserOwned",
        "name:String:300 description:Memo:2000 parentcontactid:Lookup:contact "
        "parentaccountid:Lookup:account customerid:Customer:account|contact "
        "customeridtype:EntityName estimatedvalue:Money estimatedclosedate:DateTime "
        "actualvalue:Money actualclosedate:DateTime closeprobability:Integer "
        "pricelevelid:Lookup:pricelevel opportunityratingcode:Picklist "
        f"bcbi_companyid:Lookup:bcbi_company {MONEY}",
    ),
    "quote": (
        "quotes",
        "quoteid",
        "name",
        "UserOwned",
        f"name:String:300 quotenumber:String:100 {TOTALS} {BILL_SHIP} "
        "effectivefrom:DateTime effectiveto:DateTime requestdeliveryby:DateTime "
        "revisionnumber:Integer bcbi_businesscentraldocumentoccurrencenumber:Integer "
        f"{MONEY}",
    ),
    "quotedetail": (
        "quotedetails",
        "quotedetailid",
        "productdescription",
        "UserOwned",
        f"quoteid:Lookup:quote {LINE} {MONEY}",
    ),
    "salesorder": (
        "salesorders",
        "salesorderid",
        "name",
        "UserOwned",
        f"name:String:300 ordernumber:String:100 {TOTALS} {BILL_SHIP} "
        "quoteid:Lookup:quote datefulfilled:DateTime requestdeliveryby:DateTime "
        "submitdate:DateTime lastbackofficesubmit:DateTime prioritycode:Picklist "
        "willcall:Boolean bcbi_businesscentralordernumber:String:20 "
        f"bcbi_businesscentraldocumentoccurrencenumber:Integer {MONEY}",
    ),
    "salesorderdetail": (
        "salesorderdetails",
        "salesorderdetailid",
        "salesorderdetailname",
        "UserOwned",
        f"salesorderid:Lookup:salesorder salesorderdetailname:String:500 {LINE} "
        f"quantityshipped:Decimal {MONEY}",
    ),
    "invoice": (
        "invoices",
        "invoiceid",
        "name",
        "UserOwned",
        f"name:String:300 invoicenumber:String:100 {TOTALS} {BILL_SHIP} "
        "salesorderid:Lookup:salesorder duedate:DateTime datedelivered:DateTime "
        f"{MONEY}",
    ),
    "invoicedetail": (
        "invoicedetails",
        "invoicedetailid",
        "productdescription",
        "UserOwned",
        f"invoiceid:Lookup:invoice {LINE} "
        + " ".join(
            f"shipto_{n}:String:250"
            for n in ("name", "line1", "line2", "city", "postalcode", "country", "stateorprovince")
        )
        + f" {MONEY}",
    ),
    "annotation": (
        "annotations",
        "annotationid",
        "subject",
        "UserOwned",
        "subject:String:500 notetext:Memo:100000 isdocument:Boolean "
        "filename:String:255 mimetype:String:256 documentbody:Memo:1048576 "
        "filesize:Integer objectid:Lookup:account|contact|opportunity|quote|"
        "salesorder|invoice|product objecttypecode:EntityName",
    ),
    "solution": (
        "solutions",
        "solutionid",
        "friendlyname",
        "None",
        "uniquename:String:65 friendlyname:String:256 version:String:256 "
        "ismanaged:Boolean installedon:DateTime description:Memo:2000",
    ),
    "nav_connection": (
        "nav_connections",
        "nav_connectionid",
        "nav_name",
        "OrganizationOwned",
        "nav_name:String:100 nav_dynamicsnavurl:String:250 "
        "nav_dynamicsnavodataurl:String:250 nav_dynamicsnavodatausername:String:250 "
        "nav_dynamicsnavodataaccesskey:String:250",
    ),
    "nav_defaultconnection": (
        "nav_defaultconnections",
        "nav_defaultconnectionid",
        "nav_name",
        "UserOwned",
        "nav_name:String:100 nav_connectionid:Lookup:nav_connection",
    ),
    "nav_accountstatistics": (
        "nav_accountstatisticses",
        "nav_accountstatisticsid",
        "nav_name",
        "OrganizationOwned",
        "nav_name:String:100 nav_customerno:String:20 "
        + " ".join(
            f"nav_{n}:Money"
            for n in (
                "balancelcy",
                "outstandingorderslcy",
                "shippednotinvoicedlcy",
                "outstandinginvoiceslcy",
                "outstandingservorderslcy",
                "servshippednotinvdlcy",
                "outstdservinvoiceslcy",
                "totallcy",
                "creditlimitlcy",
                "overdueamountslcy",
                "totalsaleslcy",
                "invdprepaymentamountlcy",
            )
        )
        + f" nav_overdueamountsasofdate:DateTime {MONEY}",
    ),
    "bcbi_company": (
        "bcbi_companies",
        "bcbi_companyid",
        "bcbi_name",
        "UserOwned",
        "bcbi_name:String:30 bcbi_externalid:String:100 bcbi_defaultowningteam:Lookup:team",
    ),
    # Activity feed posts on a record's wall (BC's Sales Order Status job writes these).
    "post": (
        "posts",
        "postid",
        "text",
        "OrganizationOwned",
        "text:Memo:1000 regardingobjectid:Lookup:salesorder|account|invoice|quote "
        "regardingobjecttypecode:EntityName source:Integer type:Integer",
    ),
    # The messages the service knows, and which tables each is available for: a client asks
    # them whether a table takes the bulk messages (CreateMultiple, UpsertMultiple, ...).
    # https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations
    "sdkmessage": ("sdkmessages", "sdkmessageid", "name", "None", "name:String:256"),
    "sdkmessagefilter": (
        "sdkmessagefilters",
        "sdkmessagefilterid",
        "name",
        "None",
        "name:String:256 primaryobjecttypecode:EntityName sdkmessageid:Lookup:sdkmessage",
    ),
}
