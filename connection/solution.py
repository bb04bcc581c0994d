"""The Business Central integration solution in Sales: its roles, tables and connection row.

Reads (who holds which role, is the solution there) serve Test Connection; writes serve
**Redeploy Integration Solution**, **Reset Web Client URL** and the wizard's advanced step. The
role ids and the System Administrator role template are Business Central's (bc-integration.md
4.4); the tables are the solution's ``nav_connection`` and ``nav_accountstatistics``
(protocols.md 2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from connection import sales_metadata
from connection.clients import odata
from connection.clients.errors import (
    AuthenticationError,
    ClientError,
    ConnectionFailed,
    Forbidden,
    NotFound,
)
from connection.models import ConnectionSetup
from connection.services import dataverse_client, user_credential

INTEGRATION_ADMINISTRATOR = ("8c8d4f51-a72b-e511-80d9-3863bb349780", "Integration Administrator")
INTEGRATION_USER = ("6f960e32-a72b-e511-80d9-3863bb349780", "Integration User")
INTEGRATION_ROLES = (INTEGRATION_ADMINISTRATOR, INTEGRATION_USER)
# The third role of the solution (seed 004): lets people query item availability in Business
# Central from Sales. Business Central checks it by name only, so it has no fixed id here.
PRODUCT_AVAILABILITY_USER = (None, "Product Availability User")
SOLUTION_ROLES = (*INTEGRATION_ROLES, PRODUCT_AVAILABILITY_USER)
ROLE_NAME = "Dynamics 365 Business Central {caption}"
SYSTEM_ADMINISTRATOR_TEMPLATE = "627090ff-40a3-4053-8790-584edc5be201"
ADMIN_ROLES = ("System Administrator", "Solution Customizer")
SOLUTION_TABLES = ("nav_connection", "nav_accountstatistics")


class SolutionError(Exception):
    """Deploying failed for a reason a person can fix; the message says which."""


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    template: str

    def is_one_of(self, role_id: str, caption: str) -> bool:
        return self.id == role_id or self.name.endswith(caption)


def roles_of(client, user_id: str) -> list[Role]:
    """The security roles a Sales user holds."""
    rows = client.query(f"systemusers({user_id})/systemuserroles_association",
                        select=["roleid", "name", "_roletemplateid_value"])
    return [Role(str(r["roleid"]).lower(), r.get("name") or "",
                 str(r.get("_roletemplateid_value") or "").lower()) for r in rows]


def integration_user_problems(client, user_id: str) -> tuple[list[str], list[str], str]:
    """BC's TestIntegrationUserRequirements: (problems, missing integration roles, user name).

    Problems are templates with ``{user}`` and ``{server}``.
    """
    user = client.get("systemusers", user_id, select=[
        "fullname", "internalemailaddress", "isdisabled", "islicensed", "applicationid"])
    name = user.get("internalemailaddress") or user.get("fullname") or user_id
    held = roles_of(client, user_id)
    problems = []
    if user.get("isdisabled"):
        problems.append("User {user} is disabled on server {server}.")
    # Application users never consume a licence; only people must be licensed.
    if not user.get("islicensed") and not user.get("applicationid"):
        problems.append("User {user} is not licensed on server {server}.")
    if not held:
        problems.append("User {user} has no user roles assigned on server {server}.")
    if any(role.template == SYSTEM_ADMINISTRATOR_TEMPLATE for role in held):
        problems.append("You must choose a user that does not have the System Administrator role.")
    missing = [caption for role_id, caption in INTEGRATION_ROLES
               if not any(role.is_one_of(role_id, caption) for role in held)]
    return problems, missing, name


def solution_installed(client) -> bool:
    """BC's definition: the solution's connection and account statistics tables are readable."""
    try:
        for table in SOLUTION_TABLES:
            entity_set = client.entity_set_name(table)
            next(iter(client.query_pages(entity_set, select=[f"{table}id"], page_size=1)), [])
    except NotFound:
        return False
    return True


def sales_user_exists(client, email: str) -> bool:
    """Whether a Sales user has ``email`` as primary email (internalemailaddress)."""
    quoted = email.replace("'", "''")
    rows = client.query("systemusers", select=["systemuserid"],
                        filter=f"internalemailaddress eq '{quoted}'")
    return any(True for _ in rows)


def administrator_client(connection: ConnectionSetup, admin_user: str, admin_password: str):
    """A Dataverse client signed in as a Sales administrator; the password is never stored."""
    tokens = user_credential(connection, admin_user, admin_password)
    client = dataverse_client(connection, interactive=True, tokens=tokens)
    who = client.whoami()
    held = roles_of(client, who.user_id)
    names = {role.name for role in held}
    is_admin = any(r.template == SYSTEM_ADMINISTRATOR_TEMPLATE for r in held)
    missing = [name for name in ADMIN_ROLES
               if name not in names and not (name == "System Administrator" and is_admin)]
    if missing:
        raise SolutionError(
            f"{admin_user} cannot import the solution: the account must hold the System "
            f"Administrator and Solution Customizer roles (missing: {', '.join(missing)})."
        )
    return client, who


def deploy(connection: ConnectionSetup, admin_user: str, admin_password: str) -> list[str]:
    """Redeploy Integration Solution: roles, their assignment, and the connection data.

    Returns what was done, one sentence per step. Raises ClientError or SolutionError.
    """
    admin, who = administrator_client(connection, admin_user, admin_password)
    done = ensure_roles(admin, who.business_unit_id)
    integration = dataverse_client(connection, interactive=True)
    integration_who = integration.whoami()
    done += assign_roles(admin, integration_who.user_id)
    done += assign_identity_roles(admin, connection)
    done.append(write_connection_data(admin, connection))
    if connection.sales_order_integration_enabled:
        done.append(set_sales_order_integration(admin, True))
    connection.solution_installed = solution_installed(admin)
    connection.save(update_fields=["solution_installed", "updated_at"])
    # The solution adds tables and columns: what jobs reuse is read again now.
    sales_metadata.refresh(connection, integration, integration_who)
    return done


def ensure_roles(admin, business_unit_id: str) -> list[str]:
    """Create the solution's three roles where they are missing (the two integration roles
    with Business Central's fixed ids)."""
    done = []
    for role_id, caption in SOLUTION_ROLES:
        if find_role(admin, role_id, caption):
            continue
        values = {"name": ROLE_NAME.format(caption=caption),
                  "businessunitid@odata.bind": odata.bind("businessunits", business_unit_id)}
        admin.create("roles", {"roleid": role_id, **values} if role_id else values)
        done.append(f"Created the role {ROLE_NAME.format(caption=caption)}.")
    return done


def find_role(client, role_id: str | None, caption: str) -> str | None:
    """The id of a solution role in Sales, by its fixed id or else by its name."""
    if role_id:
        try:
            client.get("roles", role_id, select=["roleid"])
            return role_id
        except NotFound:
            return None
    name = ROLE_NAME.format(caption=caption).replace("'", "''")
    row = next(iter(client.query("roles", select=["roleid"], filter=f"name eq '{name}'")), None)
    return str(row["roleid"]).lower() if row else None


def assign_identity_roles(admin, connection: ConnectionSetup) -> list[str]:
    """Give every further application user (the identity pool, enabled or not) the solution's
    roles: its writes are the integration's as much as the integration user's are. Each is
    found by its client ID with the administrator's account (``systemuser.applicationid``), so
    an identity whose secret is missing or wrong still gets them; one without an application
    user in Sales is named, and the others still get theirs."""
    done = []
    for identity in connection.sales_identities.all():
        user_id = application_user_id(admin, identity.client_id)
        if user_id is None:
            done.append(f"No application user has the client ID {identity.client_id} of "
                        f"{identity.name}: {NO_APPLICATION_USER}")
            continue
        if identity.sales_user_id != user_id:
            identity.sales_user_id = user_id
            identity.save(update_fields=["sales_user_id"])
        done += assign_roles(admin, user_id, f"the application user {identity.name}")
    return done


NO_APPLICATION_USER = ("create it in the Power Platform admin center (Environments > Settings > "
                       "Users + permissions > Application users), then Redeploy again.")


def application_user_id(client, client_id: str) -> str | None:
    """The systemuserid of the application user of an app registration, if Sales has one."""
    rows = client.query("systemusers", select=["systemuserid"],
                        filter=odata.equal("applicationid", client_id.lower()))
    row = next(iter(rows), None)
    return str(row["systemuserid"]).lower() if row else None


def assign_roles(admin, user_id: str, whom: str = "the integration user") -> list[str]:
    """Give the integration user the solution's three roles (associating twice is harmless)."""
    held = roles_of(admin, user_id)
    done = []
    for role_id, caption in SOLUTION_ROLES:
        if any(role.is_one_of(role_id or "", caption) for role in held):
            continue
        found = find_role(admin, role_id, caption)
        if found is None:
            raise SolutionError(f"The role {ROLE_NAME.format(caption=caption)} is missing in "
                                "Sales after it was created; run Redeploy again.")
        admin.associate("systemusers", user_id, "systemuserroles_association", "roles", found)
        done.append(f"Assigned the {caption} role to {whom}.")
    return done or [f"{whom[0].upper()}{whom[1:]} already holds the three integration roles."]


def missing_solution_roles(client, user_id: str) -> list[str]:
    """Captions of the solution's roles the user does not hold (Test Connection)."""
    held = roles_of(client, user_id)
    return [caption for role_id, caption in SOLUTION_ROLES
            if not any(role.is_one_of(role_id or "", caption) for role in held)]


def write_connection_data(client, connection: ConnectionSetup) -> str:
    """Write the web client URL and the item availability OData details to ``nav_connection``.

    Business Central's ``ResetCRMNAVConnectionData``: Sales uses this row for "Open in Business
    Central" and for item availability.
    """
    values = {"nav_dynamicsnavurl": connection.web_client_url or connection.default_web_client_url}
    if connection.item_availability_enabled:
        values.update(nav_dynamicsnavodataurl=connection.odata_url or connection.default_odata_url,
                      nav_dynamicsnavodatausername=connection.odata_username,
                      nav_dynamicsnavodataaccesskey=connection.odata_access_key)
    else:
        values.update(nav_dynamicsnavodataurl="", nav_dynamicsnavodatausername="",
                      nav_dynamicsnavodataaccesskey="")
    entity_set = client.entity_set_name("nav_connection")
    existing = next(iter(client.query(entity_set, select=["nav_connectionid"])), None)
    if existing:
        client.update(entity_set, existing["nav_connectionid"], values)
    else:
        client.create(entity_set, {"nav_name": connection.name[:100], **values})
    return f"Wrote the Web Client URL {values['nav_dynamicsnavurl']} to the Sales connection."


def set_sales_order_integration(admin, enabled: bool) -> str:
    """Turn the Sales organization's sales order processing integration on or off."""
    rows = list(admin.query("organizations", select=["organizationid"]))
    org = rows[0]  # one organization per environment
    admin.update("organizations", org["organizationid"], {"issopintegrationenabled": enabled})
    return f"Sales order integration is {'enabled' if enabled else 'disabled'} in Sales."


def switch_sales_order_integration(connection: ConnectionSetup, enabled: bool, admin_user: str,
                                   admin_password: str) -> list[str]:
    """Switch sales order integration on (deploy what it needs: roles, connection data, the
    Sales organization's setting) or off, with an administrator account used once. The switch
    is stored only when Sales accepted it. Raises ClientError or SolutionError."""
    if enabled:
        connection.sales_order_integration_enabled = True
        try:
            done = deploy(connection, admin_user, admin_password)
        except Exception:
            connection.sales_order_integration_enabled = False
            raise
    else:
        admin, _who = administrator_client(connection, admin_user, admin_password)
        done = [set_sales_order_integration(admin, False)]
        connection.sales_order_integration_enabled = False
        connection.auto_create_sales_orders = connection.auto_process_sales_quotes = False
    connection.save(update_fields=["sales_order_integration_enabled", "auto_create_sales_orders",
                                   "auto_process_sales_quotes", "updated_at"])
    return done


def failure_message(error: Exception, admin_user: str) -> str:
    """What went wrong in a deployment and what to do about it, in one message."""
    if isinstance(error, AuthenticationError):
        return (f"Sign-in as {admin_user} was refused: {error}. Check the administrator's email "
                "and password (the password is case-sensitive), that the account is a user of "
                "this Sales environment's tenant, and that it does not need multi-factor "
                "sign-in; then choose Deploy again.")
    if isinstance(error, Forbidden):
        return (f"{admin_user} may not change the solution's roles: {error}. Use an account "
                "that holds the System Administrator and Solution Customizer roles.")
    if isinstance(error, ConnectionFailed):
        return (f"Dynamics 365 Sales could not be reached: {error}. Check the Dynamics 365 "
                "Sales URL on the General FastTab and choose Test Connection.")
    if isinstance(error, SolutionError):
        return str(error)
    return (f"The deployment of the solution failed: {error}. Choose Test Connection to see "
            "which setting is wrong, then Redeploy again.")


__all__ = ["ClientError", "SolutionError", "deploy", "failure_message"]
