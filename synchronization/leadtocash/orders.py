"""Submitted Sales orders become Business Central sales orders (Auto Create Sales Orders, 5.9).

Each order is its own all-or-nothing unit: the header and every line go in one deep insert inside
a JSON ``$batch`` with ``Isolation: snapshot``, under an id derived from the Sales order, so a
failed line leaves nothing behind and a retry after a crash finds the order instead of making a
second one. Then the BC number is written back to the Sales order (Active -> Last Back Office
Submit -> Submitted, as BC does) and the two orders are coupled in SALESORDER-ORDER.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from connection.clients.business_central import BcOperation
from mappings.models import Coupling, IntegrationTableMapping
from synchronization.leadtocash import couplings
from synchronization.leadtocash.documents import (
    ORDER,
    ConversionError,
    DocumentBuilder,
    SalesDocument,
    read_document,
)
from synchronization.writes import deterministic_id, parse_time

SUBMITTED, ACTIVE = 1, 0
SUBMITTED_STATUS, NEW_STATUS = 3, 1
ALREADY_EXISTS = "Internal_EntityWithSameKeyExists"


@dataclass
class Created:
    """A BC document made (or found again) from a Sales document."""

    sales_id: str
    bc_id: str
    number: str
    existed: bool = False


def order_mapping(connection) -> IntegrationTableMapping:
    mapping = couplings.mapping_for(connection, couplings.SALES_HEADER)
    if mapping is None:
        raise ConversionError(
            "Sales order integration is not set up: the SALESORDER-ORDER mapping is missing. "
            "Turn on Sales Order Integration is Enabled on the connection and reset the default "
            "mappings.")
    return mapping


def submitted_orders(sales_client, limit: int = 500) -> list[dict]:
    """Submitted Sales orders not yet sent to the back office, oldest first."""
    pages = sales_client.query_pages(
        "salesorders", filter="statecode eq 1 and lastbackofficesubmit eq null",
        select=["name", "ordernumber", "totalamount", "submitdate", "_customerid_value",
                "modifiedon"], orderby="modifiedon asc", page_size=limit)
    return next(iter(pages), [])


class OrderCreator:
    """Creates BC sales orders from Sales orders for one connection."""

    def __init__(self, connection, bc_client, sales_client) -> None:
        self.connection = connection
        self.bc = bc_client
        self.sales = sales_client
        self.mapping = order_mapping(connection)
        self.builder = DocumentBuilder(connection, sales_client)

    def create(self, sales_id: str) -> Created:
        """Create the BC order of one Sales order; raises ConversionError with the fix."""
        existing = Coupling.objects.filter(mapping=self.mapping, sales_id=sales_id).first()
        if existing is not None:
            return Created(sales_id, str(existing.bc_id), existing.bc_number, existed=True)
        document = read_document(self.sales, ORDER, sales_id)
        if document.header.get("statecode") != SUBMITTED:
            raise ConversionError(f"Sales order {document.name} must be submitted before it "
                                  "can be created in Business Central.")
        record, existed = self._insert(document)
        created = Created(document.id, str(record["id"]).lower(), str(record["number"]), existed)
        sales_modified = self._write_back(document, created.number)
        self._couple(document, created, record, sales_modified)
        return created

    def _insert(self, document: SalesDocument) -> tuple[dict, bool]:
        bc_id = deterministic_id(self.mapping, document.id)
        body = {"id": bc_id, **self.builder.body(document)}
        (result,) = self.bc.batch([BcOperation.create(ORDER.bc_entity, body)],
                                  isolation_snapshot=True)
        if result.ok:
            return result.body, False
        if result.error_code == ALREADY_EXISTS:  # a crashed attempt made it: use it
            return self.bc.get(ORDER.bc_entity, bc_id), True
        raise ConversionError(f"Business Central did not create sales order {document.name}: "
                              f"{result.error_message}")

    def _write_back(self, document: SalesDocument, number: str):
        """BC reopens the submitted order, stamps Last Back Office Submit, submits it again."""
        entity_set, sales_id = ORDER.entity_set, document.id
        self.sales.update(entity_set, sales_id, {"statecode": ACTIVE, "statuscode": NEW_STATUS})
        self.sales.update(entity_set, sales_id, {
            "lastbackofficesubmit": date.today().isoformat(),
            "bcbi_businesscentralordernumber": number[:20]})
        self.sales.update(entity_set, sales_id, {"statecode": SUBMITTED,
                                                 "statuscode": SUBMITTED_STATUS})
        current = self.sales.get(entity_set, sales_id, select=["modifiedon"])
        return parse_time(current.get("modifiedon"))

    def _couple(self, document: SalesDocument, created: Created, record: dict,
                sales_modified) -> None:
        coupling, _ = Coupling.objects.update_or_create(
            mapping=self.mapping, bc_id=created.bc_id,
            defaults={"sales_id": document.id, "bc_number": created.number[:50],
                      "display_name": document.name[:250], "created_at": timezone.now()})
        coupling.record_success("FromIntegrationTable",
                                parse_time(record.get("lastModifiedDateTime")), sales_modified,
                                None)
        coupling.save()
