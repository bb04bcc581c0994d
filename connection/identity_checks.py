"""Test Connection for the connection's further application users (the identity pool).

Each identity must sign in with its own secret or certificate, be an application user of the
Sales environment (WhoAmI) and hold the integration roles, as the primary credential must: a
write sent by any of them is a write of the integration. Each outcome is recorded on the
identity: only an identity whose last check passed takes writes (services.writing_identities).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connection import solution as roles
from connection.clients.errors import AuthenticationError, ClientError
from connection.models import ConnectionSetup, SalesIdentity
from connection.services import dataverse_client, identity_credential

log = logging.getLogger(__name__)
TITLE = "Additional application user {name} signs in, answers and holds the integration roles"
SIGN_IN_FIX = ("Check the Client ID and the client secret (or certificate) of {name} in "
               "Additional application users; a secret shown once in Microsoft Entra ID cannot "
               "be read again: add a new one and enter it.")
USER_FIX = ("Create an application user for the Client ID in the Power Platform admin center "
            "(Environments > Settings > Users + permissions > Application users).")
ROLES_FIX = ("Choose Redeploy Integration Solution: it assigns the integration roles to every "
             "additional application user of the connection, then choose Test.")


@dataclass(frozen=True)
class IdentityResult:
    """One identity's outcome: ``ok``, the sentence shown, and the fix when it failed."""

    ok: bool
    detail: str
    fix: str = ""


KEY_PREFIX = "identity:"


def key_of(identity: SalesIdentity) -> str:
    """The checklist key of an identity's line."""
    return f"{KEY_PREFIX}{identity.pk}"


def is_identity_key(key: str) -> bool:
    """Whether a checklist line is a further application user's."""
    return key.startswith(KEY_PREFIX)


def run_identity_check(connection: ConnectionSetup, identity: SalesIdentity) -> IdentityResult:
    """Check ``identity`` and record the outcome on it (unless its credential changed
    meanwhile: then it stays "never checked" and the result says so)."""
    version = identity.credential_version
    try:
        result = check_identity(connection, identity)
    except Exception as error:  # an answer we did not expect must not end in a 500
        log.exception("check of identity %s broke", identity.pk)
        result = IdentityResult(False, f"{identity.name}: the service's answer could not be "
                                f"used ({type(error).__name__}: {error}).",
                                "Choose Test again; if it persists, the log has the details.")
    # The card shows the stored line next to the identity: with the fix, it is enough to act.
    stored = f"{result.detail} Fix: {result.fix}" if result.fix else result.detail
    if not identity.record_check(result.ok, stored, version):
        return IdentityResult(False, f"{identity.name} was changed while it was checked; "
                              "test it again.", "Choose Test again.")
    return result


def record_set_aside(connection: ConnectionSetup, pool: object) -> list[str]:
    """After a job: each identity the pool set aside (refused with 401/403 or no token) is
    recorded as failed, so it takes no writes until a check passes again. One sentence each
    for the job's message; none for a client that is not a pool."""
    notes = []
    for aside in getattr(pool, "set_aside", list)():
        member = aside.member
        identity = connection.sales_identities.filter(client_id=member.client_id).first()
        if identity is not None:
            identity.record_check(False, f"Refused during a synchronization job: {aside.reason}",
                                  member.version)
        notes.append(f"The application user {member.name} was refused and set aside for the "
                     f"rest of the run: {aside.reason.rstrip('.')}. The other identities wrote "
                     "its share; it writes again once it passes Test (Additional application "
                     "users on the connection card).")
    return notes


def check_identity(connection: ConnectionSetup, identity: SalesIdentity) -> IdentityResult:
    """Sign in as ``identity``, ask WhoAmI and read its roles; remember its Sales user id.
    Records nothing on the identity's check state (see :func:`run_identity_check`)."""
    name = identity.name
    try:
        credential = identity_credential(connection, identity)
        client = dataverse_client(connection, interactive=True, tokens=credential)
        credential.authorization(client.org_url)
    except AuthenticationError as error:
        return IdentityResult(False, f"{name} (client ID {identity.client_id}) could not sign "
                              f"in: {error}", SIGN_IN_FIX.format(name=name))
    try:
        who = client.whoami()
        identity.sales_user_id = who.user_id.lower()
        identity.save(update_fields=["sales_user_id"])
        problems, missing, _user = roles.integration_user_problems(client, who.user_id)
    except ClientError as error:
        return IdentityResult(False, f"{name} signed in but Dynamics 365 Sales refused it: "
                              f"{error}", USER_FIX)
    finally:
        client.close()
    server = connection.server_address
    if problems:
        text = " ".join(p.format(user=name, server=server) for p in problems)
        return IdentityResult(False, text, USER_FIX)
    if missing:
        return IdentityResult(False, f"{name} lacks: {', '.join(missing)}.", ROLES_FIX)
    return IdentityResult(True, f"{name} signed in as application user {who.user_id} and "
                          "holds both integration roles.")
