"""Sales Order Notes job (every 5 minutes with sales order integration, seed 000): notes of
coupled sales orders in both directions.

Business Central keeps notes as Record Links of type Note (table 2000000068); API v2.0 does not
expose them, so the table is read and written through a published web service page named
``RecordLinks`` (fields Link_ID, Record_ID, Description, Type, Note, Created, User_ID). Sales keeps
them as annotations of the order. Each pair is remembered in a NoteCoupling; before creating
anything, uncoupled notes with the same subject and text on the same order are coupled to each
other, so a run that crashed after writing a note never writes it twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import timezone

from connection.clients import odata
from mappings.models import Coupling
from synchronization.leadtocash import couplings
from synchronization.leadtocash.jobs import clients, connection_of
from synchronization.models import NoteCoupling, SyncJob

PAGE = "RecordLinks"
CHUNK = 50
DESCRIPTION_LENGTH = 250


def record_id(order_number: str) -> str:
    """How a Record Link names the sales order it belongs to."""
    return f"Sales Header: Order,{order_number}"


@dataclass
class Note:
    """A note on either side, reduced to what is compared."""

    id: str
    order: str  # the Sales order id
    subject: str
    text: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.order, self.subject.strip(), self.text.strip()


def sales_order_notes(job: SyncJob) -> dict:
    """Pair up, then copy new notes each way for every coupled sales order."""
    connection = connection_of(job)
    mapping = couplings.mapping_for(connection, couplings.SALES_HEADER)
    orders = list(Coupling.objects.filter(mapping=mapping, skipped=False)) if mapping else []
    with clients(connection, job) as (bc, sales):
        run = NotesRun(job, connection, bc, sales)
        for start in range(0, len(orders), CHUNK):
            run.orders(orders[start:start + CHUNK])
    return {"to_sales": run.to_sales, "to_business_central": run.to_bc}


class NotesRun:
    """Notes of a page of coupled orders: read both sides, pair, create what is missing."""

    def __init__(self, job: SyncJob, connection, bc, sales) -> None:
        self.job, self.connection, self.bc, self.sales = job, connection, bc, sales
        self.to_sales = self.to_bc = 0

    def orders(self, rows: list[Coupling]) -> None:
        by_record = {record_id(c.bc_number): str(c.sales_id).lower() for c in rows}
        links = self._links(by_record)
        annotations = self._annotations(list(by_record.values()))
        coupled = NoteCoupling.objects.filter(connection=self.connection)
        done_links = {str(i) for i in coupled.values_list("link_id", flat=True)}
        done_notes = {str(i).lower() for i in coupled.values_list("annotation_id", flat=True)}
        links = [n for n in links if n.id not in done_links]
        annotations = [n for n in annotations if n.id not in done_notes]
        links, annotations = self._pair(links, annotations)
        numbers = {sales_id: record for record, sales_id in by_record.items()}
        for note in links:
            self._to_sales(note)
        for note in annotations:
            self._to_bc(note, numbers[note.order])

    def _links(self, by_record: dict[str, str]) -> list[Note]:
        return [Note(str(row["Link_ID"]), by_record[row["Record_ID"]],
                     str(row.get("Description") or ""), str(row.get("Note") or ""))
                for row in self.bc.odata_query(PAGE, filter="Type eq 'Note'")
                if row.get("Record_ID") in by_record]

    def _annotations(self, order_ids: list[str]) -> list[Note]:
        query = odata.all_of([odata.any_equal("_objectid_value", order_ids),
                              odata.not_equal("isdocument", "true")])
        rows = self.sales.query("annotations", filter=query,
                                select=["subject", "notetext", "_objectid_value"])
        return [Note(str(r["annotationid"]).lower(), str(r["_objectid_value"]).lower(),
                     str(r.get("subject") or ""), str(r.get("notetext") or "")) for r in rows]

    def _pair(self, links: list[Note], annotations: list[Note]):
        """Couple uncoupled notes that are already the same on both sides."""
        waiting: dict[tuple[str, str, str], list[Note]] = {}
        for note in annotations:
            waiting.setdefault(note.key, []).append(note)
        left = []
        for link in links:
            match = waiting.get(link.key)
            if match:
                self._couple(link.id, match.pop().id, link.order)
            else:
                left.append(link)
        return left, [n for group in waiting.values() for n in group]

    def _to_sales(self, link: Note) -> None:
        annotation_id = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                       f"bcsales:{self.connection.pk}:note:{link.id}"))
        # Upsert to an id derived from the Record Link: a retry updates, never duplicates.
        self.sales.upsert("annotations", annotation_id, {
            "subject": link.subject or "Note", "notetext": link.text, "isdocument": False,
            "objectid_salesorder@odata.bind": odata.bind("salesorders", link.order)})
        self._couple(link.id, annotation_id, link.order)
        self.to_sales += 1
        self.job.add(inserted=1)

    def _to_bc(self, annotation: Note, record: str) -> None:
        row = self.bc.odata_create(PAGE, {
            "Record_ID": record, "Description": annotation.subject[:DESCRIPTION_LENGTH],
            "Note": annotation.text, "Type": "Note",
            "Created": timezone.now().isoformat(timespec="seconds")})
        self._couple(str(row["Link_ID"]), annotation.id, annotation.order)
        self.to_bc += 1
        self.job.add(inserted=1)

    def _couple(self, link_id: str, annotation_id: str, order_id: str) -> None:
        NoteCoupling.objects.get_or_create(
            connection=self.connection, link_id=int(link_id),
            defaults={"annotation_id": annotation_id, "sales_order_id": order_id})
