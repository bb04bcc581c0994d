"""Activated Sales quotes become Business Central sales quotes (Auto Process Sales Quotes).

One BC quote per Sales quote number: the first activated revision creates it, a later revision
replaces its header fields and lines in one isolated batch (all or nothing), so the BC quote
always shows the latest revision. The id of the BC quote is derived from the quote number, so a
crashed attempt is found again instead of duplicated.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from connection.clients import odata
from connection.clients.business_central import BcOperation
from synchronization.leadtocash.documents import (
    QUOTE,
    ConversionError,
    DocumentBuilder,
    SalesDocument,
    read_document,
)
from synchronization.leadtocash.orders import ALREADY_EXISTS, Created
from synchronization.models import ProcessedQuote

ACTIVE = 1
MAX_OPERATIONS = 100  # an isolated BC batch holds at most 100 requests


def activated_quotes(sales_client, limit: int = 500) -> list[dict]:
    """Active Sales quotes, oldest change first."""
    pages = sales_client.query_pages(
        "quotes", filter="statecode eq 1",
        select=["name", "quotenumber", "revisionnumber", "totalamount", "modifiedon"],
        orderby="modifiedon asc", page_size=limit)
    return next(iter(pages), [])


def quote_id(connection, quote_number: str) -> str:
    """The BC quote id of a Sales quote number: the same for every revision and attempt."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcsales:{connection.pk}:quote:{quote_number}"))


class QuoteProcessor:
    """Creates or revises BC sales quotes from activated Sales quotes for one connection."""

    def __init__(self, connection, bc_client, sales_client) -> None:
        self.connection = connection
        self.bc = bc_client
        self.sales = sales_client
        self.builder = DocumentBuilder(connection, sales_client)

    def pending(self, quotes: list[dict]) -> list[dict]:
        """The quotes (revisions) not processed yet."""
        done = {str(i).lower() for i in ProcessedQuote.objects.filter(
            connection=self.connection).values_list("sales_id", flat=True)}
        return [q for q in quotes if str(q["quoteid"]).lower() not in done]

    def process(self, sales_id: str) -> Created:
        """Create or revise the BC quote of one activated Sales quote."""
        document = read_document(self.sales, QUOTE, sales_id)
        if document.header.get("statecode") != ACTIVE:
            raise ConversionError(f"Sales quote {document.name} must be activated before it "
                                  "can be processed in Business Central.")
        number = str(document.header.get("quotenumber") or document.id)
        link = ProcessedQuote.objects.filter(connection=self.connection,
                                             quote_number=number).first()
        if link is not None and str(link.sales_id).lower() == document.id:
            return Created(document.id, str(link.bc_id), link.bc_number, existed=True)
        bc_id = quote_id(self.connection, number)
        body = self.builder.body(document)
        record = self._revise(document, bc_id, body) if link else self._create(document,
                                                                                bc_id, body)
        return self._remember(document, number, record)

    def _create(self, document: SalesDocument, bc_id: str, body: dict) -> dict:
        (result,) = self.bc.batch([BcOperation.create(QUOTE.bc_entity, {"id": bc_id, **body})],
                                  isolation_snapshot=True)
        if result.ok:
            return result.body
        if result.error_code == ALREADY_EXISTS:
            return self._revise(document, bc_id, body)
        raise ConversionError(f"Business Central did not create sales quote {document.name}: "
                              f"{result.error_message}")

    def _revise(self, document: SalesDocument, bc_id: str, body: dict) -> dict:
        """Header fields updated, old lines deleted, new lines added: one snapshot batch."""
        lines = body.pop(QUOTE.bc_lines)
        old = [row["id"] for row in self.bc.query(
            QUOTE.bc_lines, filter=odata.equal("documentId", bc_id), select=["id"])]
        operations = [BcOperation.update(QUOTE.bc_entity, bc_id, body, "*")]
        operations += [BcOperation.delete(QUOTE.bc_lines, line) for line in old]
        path = f"{QUOTE.bc_entity}({bc_id})/{QUOTE.bc_lines}"
        operations += [BcOperation.create(path, line) for line in lines]
        if len(operations) > MAX_OPERATIONS:
            raise ConversionError(f"Sales quote {document.name} has too many lines to revise "
                                  f"in one transaction (at most {MAX_OPERATIONS - 1 - len(old)}).")
        results = self.bc.batch(operations, isolation_snapshot=True)
        failed = next((r for r in results if not r.ok and r.status != 424), None)
        if failed is not None:
            raise ConversionError(f"Business Central did not revise sales quote "
                                  f"{document.name}: {failed.error_message}")
        return self.bc.get(QUOTE.bc_entity, bc_id)

    def _remember(self, document: SalesDocument, number: str, record: dict) -> Created:
        revision = int(document.header.get("revisionnumber") or 0)
        ProcessedQuote.objects.update_or_create(
            connection=self.connection, quote_number=number,
            defaults={"revision": revision, "sales_id": document.id, "bc_id": record["id"],
                      "bc_number": str(record.get("number") or ""),
                      "processed_at": timezone.now()})
        return Created(document.id, str(record["id"]).lower(), str(record.get("number") or ""))
