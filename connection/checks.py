"""Test Connection: a checklist of what must hold for the integration to work, with fixes.

Mirrors Business Central's ``VerifyTestConnection`` and ``TestIntegrationUserRequirements``
(bc-integration.md 4.4) and adds the Business Central side: sign-in, WhoAmI, the integration
user's state and roles, the integration solution, the company, and the base currency.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from connection import identity_checks, sales_metadata
from connection import solution as roles
from connection.clients.errors import AuthenticationError, ClientError, NotFound
from connection.models import ConnectionSetup
from connection.services import business_central_client, dataverse_client, sales_credential

log = logging.getLogger(__name__)

OK, FAILED, SKIPPED, WARNING = "ok", "failed", "skipped", "warning"
LABELS = {OK: "Passed", FAILED: "Failed", SKIPPED: "Not run", WARNING: "Note"}
BADGES = {OK: "ok", FAILED: "error", SKIPPED: "off", WARNING: "warning"}
OPTIONAL = {"user_mapped"}


@dataclass
class Check:
    """One line of the checklist."""

    key: str
    title: str
    status: str = SKIPPED
    detail: str = ""
    fix: str = ""

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def result_label(self) -> str:
        return LABELS[self.status]


@dataclass
class TestReport:
    """The checklist and the facts read from the services on the way."""

    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        # Whether the person running the test is mapped is only known for a signed-in user.
        # A further application user that fails is set aside (it takes no writes), so the
        # connection works without it: its line fails, the connection passes.
        return bool(self.checks) and all(
            c.status in (OK, WARNING) or (c.status == SKIPPED and c.key in OPTIONAL)
            or identity_checks.is_identity_key(c.key) for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAILED]

    def identity_failures(self) -> list[Check]:
        """The further application users whose check failed (they take no writes)."""
        return [c for c in self.failures() if identity_checks.is_identity_key(c.key)]

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": [asdict(c) for c in self.checks],
                "facts": self.facts}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestReport:
        checks = [Check(**item) for item in data.get("checks", [])]
        return cls(checks=checks, facts=data.get("facts", {}))


TITLES = [
    ("sign_in", "Sign in to Microsoft Entra ID (token)"),
    ("whoami", "Dynamics 365 Sales answers (WhoAmI)"),
    ("integration_user", "Integration user is enabled, licensed and not a System Administrator"),
    ("integration_roles", "Integration user has the Integration Administrator and Integration "
                          "User roles"),
    ("availability_role", "Integration user has the Product Availability User role"),
    ("solution", "Dynamics 365 Business Central Integration Solution Imported"),
    ("company", "Business Central company reachable"),
    ("currency", "Sales base currency known to Business Central"),
    ("user_mapped", "Current Business Central User is Mapped to a Dynamics 365 Sales User"),
]


class ConnectionTest:
    """Runs the checks in order; a failed prerequisite leaves the dependent checks "Not run"."""

    def __init__(self, connection: ConnectionSetup, user=None) -> None:
        self.connection, self.user = connection, user
        self.report = TestReport(checks=[Check(key, title) for key, title in TITLES])
        self.identities = list(connection.sales_identities.filter(enabled=True)) \
            if connection.pk else []
        # One line per further application user, after the integration user's own lines.
        after = next(i for i, c in enumerate(self.report.checks) if c.key == "availability_role")
        self.report.checks[after + 1:after + 1] = [
            Check(identity_checks.key_of(i), identity_checks.TITLE.format(name=i.name))
            for i in self.identities]
        self.dataverse: Any = None
        self.business_central: Any = None

    def check(self, key: str) -> Check:
        return next(c for c in self.report.checks if c.key == key)

    def run(self) -> TestReport:
        steps = [self.sign_in, self.whoami, self.integration_user, self.availability_role,
                 self.pool_identities, self.solution,
                 self.company, self.currency, self.user_mapped]
        for step in steps:
            try:
                step()
            except ClientError as error:
                # Client errors carry the services' text, never a secret.
                log.info("test connection %s: %s failed: %s", self.connection.pk,
                         step.__name__, error)
            except Exception as error:  # an answer we did not expect must not end in a 500
                log.exception("test connection %s: %s broke", self.connection.pk, step.__name__)
                self._unexpected(step.__name__, error)  # each step is named after its check
        return self.report

    def _unexpected(self, key: str, error: Exception) -> None:
        self.dataverse = self.dataverse if key not in ("sign_in", "whoami") else None
        self._fail(key, unexpected_reason(error),
                   "Run Test Connection again; if it persists, the log has the details.")

    def _fail(self, key: str, detail: str, fix: str) -> None:
        item = self.check(key)
        item.status, item.detail, item.fix = FAILED, detail, fix

    def _pass(self, key: str, detail: str = "") -> None:
        item = self.check(key)
        item.status, item.detail = OK, detail

    def sign_in(self) -> None:
        try:
            credential = sales_credential(self.connection)
            self.dataverse = dataverse_client(self.connection, interactive=True, tokens=credential)
            credential.authorization(self.dataverse.org_url)
        except AuthenticationError as error:
            self.dataverse = None
            self._fail("sign_in", str(error), SIGN_IN_FIX)
            raise
        self._pass("sign_in", f"Signed in at {self.connection.authority_host}.")

    def whoami(self) -> None:
        if self.dataverse is None:
            return
        try:
            who = self.dataverse.whoami()
        except ClientError as error:
            self.dataverse = None
            self._fail("whoami", str(error), whoami_fix(error, self.connection))
            raise
        self.report.facts.update(user_id=who.user_id, organization_id=who.organization_id)
        self._pass("whoami", f"{self.connection.server_address} answered.")
        self.report.facts.update(read_sales_facts(self.dataverse))
        # What jobs reuse (integration user, base currency, table metadata) is read again now.
        sales_metadata.refresh(self.connection, self.dataverse, who,
                               self.report.facts.get("base_currency_id"))

    def integration_user(self) -> None:
        if self.dataverse is None:
            return
        user_id = self.report.facts["user_id"]
        problems, missing, name = roles.integration_user_problems(self.dataverse, user_id)
        server = self.connection.server_address
        if problems:
            self._fail("integration_user", " ".join(p.format(user=name, server=server)
                                                    for p in problems), USER_FIX)
        else:
            self._pass("integration_user", f"{name} is enabled and may connect.")
        if missing:
            self._fail("integration_roles", f"{name} lacks: {', '.join(missing)}.", ROLES_FIX)
        else:
            self._pass("integration_roles", f"{name} holds both integration roles.")

    def availability_role(self) -> None:
        """The solution's third role: without it Sales cannot ask Business Central for item
        availability. A failure only while item availability is on; a note otherwise."""
        if self.dataverse is None:
            return
        missing = roles.missing_solution_roles(self.dataverse, self.report.facts["user_id"])
        caption = roles.PRODUCT_AVAILABILITY_USER[1]
        if caption not in missing:
            self._pass("availability_role", f"It holds the {caption} role.")
            return
        self._fail("availability_role", f"The integration user does not hold the {caption} "
                   "role, so Sales cannot query item availability.", AVAILABILITY_ROLE_FIX)
        if not self.connection.item_availability_enabled:
            self.check("availability_role").status = WARNING

    def pool_identities(self) -> None:
        """Each enabled further application user on its own line, its outcome recorded on it
        (only a passed check lets it write): a wrong secret names its identity."""
        if self.dataverse is None:
            return
        for identity in self.identities:
            key = identity_checks.key_of(identity)
            try:
                result = identity_checks.run_identity_check(self.connection, identity)
            except Exception as error:  # one identity's odd answer must not hide the others
                log.exception("test connection %s: %s broke", self.connection.pk, key)
                self._unexpected(key, error)
                identity.record_check(False, unexpected_reason(error))
                continue
            item = self.check(key)
            item.status, item.detail, item.fix = (OK if result.ok else FAILED), result.detail, \
                result.fix
            if not result.ok:
                item.detail += " It takes no writes until a check passes."

    def solution(self) -> None:
        if self.dataverse is None:
            return
        installed = roles.solution_installed(self.dataverse)
        self.report.facts["solution_installed"] = installed
        if installed:
            self._pass("solution", "Its tables (connection, account statistics) are readable.")
        else:
            self._fail("solution", "The integration solution's tables are missing in Sales.",
                       SOLUTION_FIX)

    def company(self) -> None:
        try:
            self.business_central = business_central_client(self.connection, interactive=True)
            names = {c.id: c.name for c in self.business_central.companies()}
        except ClientError as error:
            self.business_central = None
            self._fail("company", str(error), COMPANY_FIX)
            raise
        if self.connection.bc_company_id not in names:
            self.business_central = None
            self._fail("company", f"No company with ID {self.connection.bc_company_id} in "
                       f"{self.connection.bc_api_url}.", COMPANY_FIX)
            return
        self.report.facts["company_name"] = names[self.connection.bc_company_id]
        self._pass("company", f"{names[self.connection.bc_company_id]} answered.")

    def currency(self) -> None:
        code = self.report.facts.get("base_currency_code")
        if self.business_central is None or not code:
            return
        status, detail = base_currency_known(self.business_central, code)
        item = self.check("currency")
        item.status, item.detail = status, detail
        if status != OK:
            item.fix = CURRENCY_FIX.format(code=code)

    def user_mapped(self) -> None:
        email = (getattr(self.user, "email", "") or "").strip().lower()
        if self.dataverse is None or not email:
            return
        mapped = roles.sales_user_exists(self.dataverse, email)
        self.report.facts["mapped_email"], self.report.facts["mapped"] = email, mapped
        item = self.check("user_mapped")
        if mapped:
            self._pass("user_mapped", f"{email} is a Sales user.")
        else:
            required = self.connection.user_mapping_required
            item.status = FAILED if required else WARNING
            item.detail = f"No Sales user has the primary email {email}."
            item.fix = MAPPING_FIX


def unexpected_reason(error: Exception) -> str:
    """Why an answer could not be used, in words: not JSON, or JSON of another shape."""
    if isinstance(error, json.JSONDecodeError):
        return f"The service answered with a body that is not JSON ({error.msg})."
    if isinstance(error, KeyError | IndexError | TypeError | AttributeError):
        return (f"The service's answer did not have the expected shape "
                f"({type(error).__name__}: {error}).")
    return f"Unexpected answer: {type(error).__name__}: {error}"


def read_sales_facts(client) -> dict[str, Any]:
    """Version, base currency and sales order integration flag of the Sales organization."""
    facts: dict[str, Any] = {}
    try:
        facts["version"] = client.get_json("RetrieveVersion()").get("Version", "")
    except ClientError:
        facts["version"] = ""
    rows = list(client.query("organizations",
                             select=["_basecurrencyid_value", "issopintegrationenabled"]))
    org = rows[0]  # one organization per environment; none is an answer of the wrong shape
    facts["sales_order_integration"] = bool(org.get("issopintegrationenabled"))
    currency_id = org.get("_basecurrencyid_value")
    if currency_id:
        facts["base_currency_id"] = str(currency_id).lower()
        currency = client.get("transactioncurrencies", currency_id, select=["isocurrencycode"])
        facts["base_currency_code"] = currency.get("isocurrencycode") or ""
    return facts


def base_currency_known(client, code: str) -> tuple[str, str]:
    """(status, detail): is ``code`` Business Central's local currency (LCY) or a currency?

    BC's own rule (VerifyBaseCurrencyMatchesLCY) compares with the LCY Code, which API v2.0
    publishes as ``companyInformation.currencyCode``. An endpoint without companyInformation
    cannot prove it; since BC's currency table never holds the LCY, a code missing there is
    then reported as a note, not a failure.
    """
    try:
        info: dict[str, Any] = next(
            iter(client.query("companyInformation", select=["currencyCode"])), {})
        lcy = info.get("currencyCode") or ""
    except NotFound:
        lcy = None
    if lcy and lcy.upper() == code.upper():
        return OK, f"{code} is the local currency (LCY) of the company."
    if lcy:
        return FAILED, (f"LCY Code {lcy} does not match ISO Currency Code {code} of the "
                        "Dynamics 365 Sales base currency.")
    quoted = code.replace("'", "''")
    if any(True for _ in client.query("currencies", filter=f"code eq '{quoted}'", select=["code"])):
        return OK, f"{code} is a currency of the company."
    if lcy is None:
        return WARNING, (f"{code} is not among the company's currencies and this endpoint does "
                         "not publish the local currency (companyInformation): make sure the "
                         f"LCY Code in General Ledger Setup is {code}.")
    return FAILED, f"Business Central has no currency {code}."


def whoami_fix(error: ClientError, connection: ConnectionSetup) -> str:
    if getattr(error, "status", None) in (401, 403):
        return ("Sign-in worked but Sales refused the account. For an app registration, create an "
                "application user for the client ID in the Power Platform admin center and "
                "give it a security role; for a user, check it is a user of this environment.")
    return (f"Check the Dynamics 365 Sales URL ({connection.server_address}) and, for a custom "
            "endpoint, the CA bundle.")


def run_test_connection(connection: ConnectionSetup, user=None) -> TestReport:
    """Run Test Connection and store its result and the facts read on ``connection``."""
    from django.utils import timezone

    from connection.models import ConnectionStatus

    report = ConnectionTest(connection, user).run()
    facts = report.facts
    connection.last_test, connection.last_test_at = report.to_json(), timezone.now()
    connection.status = ConnectionStatus.CONNECTED if report.passed else ConnectionStatus.FAILED
    connection.sales_version = facts.get("version", connection.sales_version)
    connection.base_currency_code = facts.get("base_currency_code", connection.base_currency_code)
    connection.solution_installed = facts.get("solution_installed", connection.solution_installed)
    if facts.get("company_name"):
        connection.bc_company_name = facts["company_name"]
    _remember_mapping(connection, facts)
    connection.save()
    return report


def _remember_mapping(connection: ConnectionSetup, facts: dict[str, Any]) -> None:
    email = facts.get("mapped_email")
    if not email:
        return
    emails = set(connection.mapped_user_emails)
    emails.add(email) if facts.get("mapped") else emails.discard(email)
    connection.mapped_user_emails = sorted(emails)


SIGN_IN_FIX = ("Check the Tenant, Client ID and secret (or user name and password) on the "
               "General FastTab; the message above names what Microsoft Entra ID refused.")
USER_FIX = ("Use an enabled, licensed account that is dedicated to the integration and does not "
            "have the System Administrator role.")
ROLES_FIX = ("Choose Redeploy Integration Solution: it creates the roles and assigns them to "
             "the integration user. Or assign them in Sales: Settings > Security > Users > "
             "Manage Roles.")
AVAILABILITY_ROLE_FIX = (
    "Choose Redeploy Integration Solution: it creates the Dynamics 365 Business Central Product "
    "Availability User role and assigns it to the integration user. Assign it in Sales to the "
    "salespeople who look up item availability too.")
SOLUTION_FIX = ("Choose Redeploy Integration Solution with a Sales administrator account to "
                "import the Dynamics 365 Business Central integration solution.")
COMPANY_FIX = ("Check the Business Central FastTab: service URL, tenant, environment and "
               "company (the assisted setup lists the companies the API returns).")
CURRENCY_FIX = ("Set up the currency {code} in Business Central, or make it the local currency "
                "(LCY Code in General Ledger Setup).")
MAPPING_FIX = ("Give your portal account the e-mail address of your Sales user (the Primary "
               "Email in Sales), or turn off Business Central Users Must Map to Dynamics 365 "
               "Sales Users.")
