"""What a Sales environment tells once and every job reuses: the integration user, the base
currency and the metadata of the tables the mappings use.

A job used to ask for all of it again (WhoAmI, ``organizations``, five ``EntityDefinitions``
reads per table) and to stop when any answer was missing. Now it is read when first needed,
kept in :class:`~connection.models.SalesMetadata` rows that the web and worker processes
share, and read again only by :func:`refresh`, which Test Connection and Redeploy Integration
Solution call. What cannot be read fails only what needs it, with a message saying so.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from connection.clients import dataverse_metadata
from connection.clients.errors import ClientError
from connection.clients.pool import REFUSALS
from connection.clients.results import EntityMetadata, WhoAmI
from connection.models import ConnectionSetup, SalesMetadata

log = logging.getLogger(__name__)

WHOAMI = "whoami"
BASE_CURRENCY = "base_currency"
TABLE = "table:"


class BaseCurrencyUnavailable(Exception):
    """The organization's base currency could not be read; the message says why."""


class Store:
    """The client-side :class:`~connection.clients.dataverse_metadata.MetadataStore` of one
    connection: table metadata in the database."""

    def __init__(self, connection: ConnectionSetup) -> None:
        self.connection = connection

    def load(self, logical_name: str) -> EntityMetadata | None:
        value = _load(self.connection, TABLE + logical_name)
        if not value or not dataverse_metadata.is_current(value):
            return None
        return dataverse_metadata.from_json(value)

    def save(self, metadata: EntityMetadata) -> None:
        _save(self.connection, TABLE + metadata.logical_name,
              dataverse_metadata.to_json(metadata))

    def forget(self, logical_name: str) -> None:
        SalesMetadata.objects.filter(connection=self.connection,
                                     key=_key(self.connection, TABLE + logical_name)).delete()


def integration_user(connection: ConnectionSetup, client) -> WhoAmI:
    """The integration user (WhoAmI of ``client``'s credential), read once per connection."""
    value = _load(connection, WHOAMI)
    if value:
        return WhoAmI(**value)
    who = client.whoami()
    _save(connection, WHOAMI, _who(who))
    return who


def integration_user_ids(connection: ConnectionSetup, client) -> list[str]:
    """Every Sales user the integration writes as, the integration user first: with an identity
    pool, each further application user too (disabled and removed ones included, as their
    earlier writes are still the integration's). A pool identity's id is read once and kept
    on its row."""
    ids = [integration_user(connection, client).user_id.lower()]
    members = {m.client_id: m.client for m in getattr(client, "extra_members", [])}
    for identity in connection.sales_identities.all() if connection.pk else []:
        if not identity.sales_user_id and identity.client_id in members:
            try:
                identity.sales_user_id = members[identity.client_id].whoami().user_id.lower()
            except REFUSALS:  # it writes nothing: the pool sets it aside at its first write
                continue
            identity.save(update_fields=["sales_user_id"])
        if identity.sales_user_id and identity.sales_user_id not in ids:
            ids.append(identity.sales_user_id)
    ids += [i for i in connection.former_identity_user_ids if i not in ids]
    return ids


def base_currency(connection: ConnectionSetup, client) -> str:
    """The id of the Sales organization's base currency (BC's blank, local currency), read
    once per connection. Raises BaseCurrencyUnavailable with the reason; nothing is stored
    then, so the next job that needs it asks again."""
    value = _load(connection, BASE_CURRENCY)
    if value.get("id"):
        return str(value["id"])
    currency_id = read_base_currency(client)
    _save(connection, BASE_CURRENCY, {"id": currency_id})
    return currency_id


def read_base_currency(client) -> str:
    """``organizations?$select=_basecurrencyid_value``, or BaseCurrencyUnavailable."""
    try:
        row = next(iter(client.query("organizations", select=["_basecurrencyid_value"])), None)
    except ClientError as error:
        raise BaseCurrencyUnavailable(
            f"The base currency of the Dynamics 365 Sales organization could not be read "
            f"({error}). Records that need it (a blank currency code means the base "
            "currency) are not synchronized; choose Test Connection once Sales answers."
        ) from error
    currency_id = str((row or {}).get("_basecurrencyid_value") or "").lower()
    if not currency_id:
        raise BaseCurrencyUnavailable(
            "The Dynamics 365 Sales organization has no base currency. Records that need it "
            "(a blank currency code means the base currency) are not synchronized.")
    return currency_id


def refresh(connection: ConnectionSetup, client, who: WhoAmI | None = None,
            base_currency_id: str | None = None) -> list[str]:
    """Read again what is kept for ``connection``: the integration user (``who`` when the
    caller just asked), the base currency (``base_currency_id`` likewise) and every table
    read before. A table that cannot be read now is dropped (the next job reads it and says
    why); so is a base currency that cannot. Returns the tables read again."""
    who = who or client.whoami()
    rows = SalesMetadata.objects.filter(connection=connection)
    tables = sorted({k.split(":", 1)[1].removeprefix(TABLE)
                     for k in rows.values_list("key", flat=True) if TABLE in k})
    rows.delete()
    _save(connection, WHOAMI, _who(who))
    _refresh_base_currency(connection, client, base_currency_id)
    read = []
    for table in tables:
        try:
            metadata = client.entity_metadata(table, fresh=True)
        except ClientError as error:
            log.info("connection %s: metadata of %s not read: %s", connection.pk, table, error)
            continue
        if getattr(client, "metadata_store", None) is None:
            Store(connection).save(metadata)
        read.append(table)
    return read


def _refresh_base_currency(connection: ConnectionSetup, client,
                           currency_id: str | None) -> None:
    try:
        currency_id = currency_id or read_base_currency(client)
    except BaseCurrencyUnavailable as error:
        log.info("connection %s: %s", connection.pk, error)
        return
    _save(connection, BASE_CURRENCY, {"id": currency_id.lower()})


def _who(who: WhoAmI) -> dict[str, str]:
    return {"user_id": who.user_id, "business_unit_id": who.business_unit_id,
            "organization_id": who.organization_id}


def _key(connection: ConnectionSetup, key: str) -> str:
    """``key`` under the environment and account the facts were read with: after the Sales URL
    or the sign-in changes, what was kept before is not used (refresh removes it)."""
    where = "|".join([connection.server_address.lower(), connection.authentication_type,
                      connection.tenant_id.lower(), connection.client_id.lower(),
                      connection.user_name.lower()])
    return f"{hashlib.sha256(where.encode()).hexdigest()[:12]}:{key}"


def _load(connection: ConnectionSetup, key: str) -> dict[str, Any]:
    row = SalesMetadata.objects.filter(connection=connection, key=_key(connection, key)) \
        .values_list("value", flat=True).first()
    return row or {}


def _save(connection: ConnectionSetup, key: str, value: dict[str, Any]) -> None:
    # One statement: two processes filling the same key at once both succeed.
    SalesMetadata.objects.bulk_create(
        [SalesMetadata(connection=connection, key=_key(connection, key), value=value)],
        update_conflicts=True, unique_fields=["connection", "key"],
        update_fields=["value", "read_at"])
