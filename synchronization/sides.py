"""The two sides of a mapping as the engine sees them: read pages, fetch by id, write in batches.

The engine is written once for both directions; a Side hides where records live (Business
Central API v2.0 entity or published OData page, Dataverse entity set), what their ids and
modified-on fields are called, and how writes are batched.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from connection.clients import odata
from mappings import catalogues
from mappings.filters import (
    Catalogue,
    FieldSpec,
    FilterError,
    bind,
    parse_table_filter,
    translate,
)
from mappings.models import Coupling, IntegrationTableMapping
from mappings.remote import RemoteUnavailable
from mappings.sales_filters import SalesFilter, sales_filter
from synchronization.bc_tables import (
    CARD_ONLY_PROPERTIES,
    CARD_PAGES,
    IMPLIED_VALUES,
    NOT_IN_API,
    ODATA_PAGES,
    caption_of,
    options_of,
    page_field,
)
from synchronization.side_clients import BcClient, SalesClient
from synchronization.side_writes import BatchedWrites, BcWrites, SalesWrites
from synchronization.writes import (
    VERSION_FIELD,
    parse_time,
    parse_version,
)

# How far back a modified-on filter reaches, as BC does (`modifiedon > watermark - 999 ms`), so a
# record written in the same second as the watermark is not missed.
WATERMARK_OVERLAP = timedelta(milliseconds=999)
# Ids per "id eq a or id eq b ..." query: ~5.5 KB of URL, far below both services' limits.
IDS_PER_QUERY = 100
# BC serves up to 20,000 records a page. The engine holds the page it plans and the one read
# ahead: pages of 2,000 took 28 MB off a 100,000-record run's peak against 5,000 (323 MB, not
# 351), at the same rate within the benchmark's noise, since the next page is read while this
# one is written.
BC_PAGE_SIZE = 2000
# Rows read to tell whether a sleeping mapping has work: more than this is work for certain.
CHANGE_PROBE_ROWS = 50


class Side(BatchedWrites):
    """Common shape of both sides; see BcSide and SalesSide."""

    key = ""
    id_field = ""
    modified_field = ""

    def __init__(self, mapping: IntegrationTableMapping, client: Any, batch_size: int,
                 concurrency: int) -> None:
        self.mapping = mapping
        self.client = client
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)

    def record_id(self, record: dict) -> str:
        value = str(record.get(self.id_field) or "")
        # Ids mostly arrive in lower case already: the record's own text is then kept, not a
        # copy made per call (a run asks each record's id a few times, and holds it in flight).
        return value if value.islower() else value.lower()

    def modified_on(self, record: dict) -> datetime | None:
        return parse_time(record.get(self.modified_field))

    def version(self, record: dict) -> int | None:
        """The record's change counter, where the side has one (Dataverse's versionnumber)."""
        return None

    def modified_after(self, when: datetime) -> str:
        """The $filter condition for records changed after ``when``."""
        return odata.changed_after(self.modified_field, when)

    def _concurrently(self, chunks: list, send) -> list:
        """``send`` each chunk, several at once; the results in chunk order, flattened."""
        if len(chunks) <= 1 or self.concurrency == 1:
            return [o for chunk in chunks for o in send(chunk)]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return [o for outcomes in pool.map(send, chunks) for o in outcomes]

    def fetch(self, ids: Sequence[str]) -> dict[str, dict]:
        """Current records by id (missing ids are absent), a few id lists at once."""
        chunks = [list(ids[i:i + IDS_PER_QUERY]) for i in range(0, len(ids), IDS_PER_QUERY)]
        rows = self._concurrently(chunks, self._fetch_chunk)
        return {self.record_id(r): r for r in rows}

    def _fetch_chunk(self, ids: list[str]) -> list[dict]:
        raise NotImplementedError

    def read_pages(self, since: datetime | None, page_size: int = BC_PAGE_SIZE
                   ) -> Iterator[list[dict]]:
        """Records changed after ``since`` (all of them when None), a page at a time."""
        raise NotImplementedError

    def number(self, record: dict) -> str:
        """What people call the record: BC's No., or the Sales row's primary name."""
        raise NotImplementedError

    def label(self, record: dict) -> str:
        """The record as error lines and couplings show it."""
        raise NotImplementedError

    def essentials(self, record: dict) -> dict:
        """Of a record, only what its bookkeeping reads: id, modified-on, version, number and
        label (a written record waits for its batch's answer with no more than this)."""
        names = (self.id_field, self.modified_field, *self._label_fields())
        return {name: record[name] for name in names if name in record}

    def _label_fields(self) -> tuple[str, ...]:
        raise NotImplementedError


class BcSide(BcWrites, Side):
    """A Business Central table through API v2.0, or through its OData page when it has none."""

    client: BcClient

    key = "bc"
    # Set on the side InvoiceLinePush builds: lets InvoiceLineRules run (its headers are written).
    lines_of_invoices = False

    def __init__(self, mapping: IntegrationTableMapping, client: BcClient, batch_size: int = 100,
                 concurrency: int = 5) -> None:
        super().__init__(mapping, client, min(batch_size, 100), concurrency)
        table = catalogues.bc_table(mapping.bc_table)
        if table is None:
            raise ValueError(f"Business Central table {mapping.bc_table!r} is not known.")
        self.table = table
        self.page = ODATA_PAGES.get(mapping.bc_table)
        self.card_page = CARD_PAGES.get(mapping.bc_table)
        self.id_field = "SystemId" if self.page else "id"
        self.modified_field = "SystemModifiedAt" if self.page else "lastModifiedDateTime"
        self.api_fields = self._api_fields()

    def _api_fields(self) -> set[str]:
        if self.page:
            return set()
        from_api = {"id", "lastModifiedDateTime"}
        return from_api | {spec.name for spec in self.table.fields
                           if spec.name not in self._api_lacks()}

    def _card_only_properties(self) -> set[str]:
        return set(CARD_ONLY_PROPERTIES.get(self.mapping.bc_table, ()))

    def _api_lacks(self) -> set[str]:
        return NOT_IN_API.get(self.mapping.bc_table, set()) | self._card_only_properties()

    # -- names ---------------------------------------------------------------------------
    def field_name(self, caption: str, prop: str) -> str:
        """The wire name of a BC field (page field for pages, API property otherwise)."""
        if self.page:
            return page_field(caption)
        return prop or self.table.property_of(caption)

    def is_writable(self, caption: str, prop: str) -> bool:
        name = self.field_name(caption, prop)
        return bool(self.page) or name in self.api_fields or name in self._card_only_properties()

    @property
    def number_field(self) -> str:
        if self.page:
            return page_field(caption_of(self.table, self.table.number_property))
        return self.table.number_property

    @property
    def name_field(self) -> str:
        if self.page:
            return page_field(caption_of(self.table, self.table.name_property))
        return self.table.name_property

    def number(self, record: dict) -> str:
        return str(record.get(self.number_field) or "")

    def label(self, record: dict) -> str:
        return " ".join(p for p in (self.number(record), str(record.get(self.name_field) or ""))
                        if p)

    def _label_fields(self) -> tuple[str, ...]:
        return self.number_field, self.name_field

    # -- reads ---------------------------------------------------------------------------
    def catalogue(self) -> Catalogue:
        if not self.page:
            # Conditions on fields the API lacks are checked here, on implied values (below).
            lacks = NOT_IN_API.get(self.mapping.bc_table, set())
            return Catalogue(replace(s, filterable=False) if s.name in lacks else s
                             for s in self.table.fields)
        return Catalogue(FieldSpec.of(page_field(s.caption or s.name), s.type, s.caption,
                                      options=options_of(s)) for s in self.table.fields)

    def translation(self):
        catalogue = self.catalogue()
        return translate(bind(parse_table_filter(self.mapping.table_filter, catalogue), catalogue))

    def read_pages(self, since: datetime | None, page_size: int = BC_PAGE_SIZE,
                   overlap: timedelta = WATERMARK_OVERLAP, cards: bool = True,
                   fields: Collection[str] | None = None) -> Iterator[list[dict]]:
        """Records matching the Table Filter (changed after ``since``), oldest change first;
        with the card page fields the field mappings use, unless ``cards`` is False. With
        ``fields`` (API names), only those and what every read needs (see :meth:`_select`)."""
        translation = self.translation()
        conditions = [translation.filter_text] if translation.filter_text else []
        if since:
            conditions.append(self.modified_after(since - overlap))
        query = odata.all_of(conditions)
        order = odata.ascending(self.modified_field)
        if self.page:
            pages = self.client.odata_pages(self.page, filter=query, page_size=page_size)
        else:
            pages = self.client.query_pages(self.table.entity, filter=query, orderby=order,
                                            page_size=page_size,
                                            select=self._select(fields, translation))
        for page in pages:
            page = self._with_implied(page)
            rows = [r for r in page if translation.client is None or translation.matches(r)]
            yield self._with_card_fields(rows) if cards else rows

    def _select(self, fields: Collection[str] | None, translation) -> list[str] | None:
        """The API properties a read asks for: ``fields``, the id, modified-on, number and
        name (bookkeeping, labels) and those the Table Filter checks here. None, so the whole
        record, without ``fields`` or when one of them is not a property this table's API is
        known to have: a field read would then be blank. A customer has some fifty properties
        and a mapping reads about fifteen; the rest cost both services time and the worker
        memory on every page."""
        if fields is None:
            return None
        wanted = {self.id_field, self.modified_field, self.number_field, self.name_field,
                  *fields, *(item.spec.name for item in translation.client.fields)}
        lacking = self._api_lacks() | set(IMPLIED_VALUES.get(self.mapping.bc_table, {}))
        if wanted - self.api_fields - lacking:
            return None
        return sorted(wanted & self.api_fields)

    def has_changes_since(self, since: datetime) -> bool:
        """Whether any record in the Table Filter changed after ``since`` (one 1-row read)."""
        pages = self.read_pages(since, page_size=1, overlap=timedelta(0), cards=False,
                                fields=())
        return any(True for page in pages for _ in page)

    def _fetch_chunk(self, ids: list[str]) -> list[dict]:
        query = odata.any_equal(self.id_field, ids)
        if self.page:
            rows = self.client.odata_query(self.page, filter=query)
        else:
            rows = self.client.query(self.table.entity, filter=query)
        return self._with_card_fields(self._with_implied(list(rows)))

    def _with_implied(self, rows: list[dict]) -> list[dict]:
        """Values the entity implies for fields it does not carry (salesOrders: orders only)."""
        implied = IMPLIED_VALUES.get(self.mapping.bc_table)
        if implied and not self.page:
            for row in rows:
                for name, value in implied.items():
                    row.setdefault(name, value)
        return rows

    def _with_card_fields(self, rows: list[dict]) -> list[dict]:
        """Add the card-page-only fields that field mappings use (API names) to API records."""
        extra = self.card_fields
        if not extra or not rows:
            return rows
        cards = {str(card.get("SystemId", "")).lower(): card for card in self._cards(rows)}
        for row in rows:
            card = cards.get(self.record_id(row), {})
            for prop, caption in extra.items():
                row[prop] = card.get(page_field(caption))
        return rows

    def _cards(self, rows: list[dict]):
        """The card page rows of these records: by their modified-time range for a page of
        reads (one request), by id for a few. Only the fields used are asked for: a card page
        has a hundred, and reading them all doubled the cost of reading a page of records."""
        select = ["SystemId", *(page_field(c) for c in self.card_fields.values())]
        if len(rows) <= IDS_PER_QUERY:
            query = odata.any_equal("SystemId", [r["id"] for r in rows])
            return self.client.odata_query(self._card_page_name, filter=query, select=select)
        stamps = sorted(r[self.modified_field] for r in rows if r.get(self.modified_field))
        query = odata.between("SystemModifiedAt", stamps[0], stamps[-1])
        return self.client.odata_query(self._card_page_name, filter=query, select=select)

    @property
    def _card_page_name(self) -> str:
        # Card fields are only used (card_fields is empty otherwise) for tables with a card page.
        if not self.card_page:
            raise RuntimeError(f"{self.mapping.bc_table} has no card page")
        return self.card_page

    @property
    def _page_name(self) -> str:
        # Only tables without an API entity are written through their OData page.
        if not self.page:
            raise RuntimeError(f"{self.mapping.bc_table} is written through the API")
        return self.page

    @cached_property
    def card_fields(self) -> dict[str, str]:
        """Card-only fields (property -> caption) that an enabled field mapping uses."""
        extra = CARD_ONLY_PROPERTIES.get(self.mapping.bc_table, {})
        if not self.card_page or not extra:
            return {}
        used = set(self.mapping.field_mappings.filter(status="Enabled")
                   .values_list("bc_property", flat=True))
        return {prop: caption for prop, caption in extra.items() if prop in used}


class SalesSide(SalesWrites, Side):
    """A Dataverse table of the Sales environment."""

    key = "sales"

    def __init__(self, mapping: IntegrationTableMapping, client: SalesClient,
                 batch_size: int = 1000,
                 concurrency: int = 8, integration_user_ids: Sequence[str] = (),
                 follow_hint: bool = True) -> None:
        super().__init__(mapping, client, min(batch_size, 1000), concurrency)
        # An administrator's own parallelism (room left for other integrations) is kept.
        self.follow_hint = follow_hint
        self.entity_set = mapping.sales_entity_set
        self.id_field = mapping.integration_table_uid_field
        self.modified_field = mapping.integration_table_modified_on_field or "modifiedon"
        # Every user the integration writes as (an identity pool has several); the first is the
        # integration user itself.
        self.integration_user_ids = [i.lower() for i in integration_user_ids if i]
        self.integration_user_id = next(iter(self.integration_user_ids), "")
        self.metadata = client.entity_metadata(mapping.sales_entity)
        self.logical_name = mapping.sales_entity
        self.bulk = "UpsertMultiple" in self.metadata.bulk_messages

    def number(self, record: dict) -> str:
        return str(record.get(self.metadata.primary_name_attribute) or "")

    def lanes(self) -> int:
        """The service's ``x-ms-dop-hint`` once an answer carried it (the reads of the page did),
        else the connection's setting; a setting the administrator chose is kept as it is.
        https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests"""
        parallelism = getattr(self.client, "parallelism", None)
        if not self.follow_hint or parallelism is None:
            return self.concurrency
        return parallelism(self.concurrency)

    def version(self, record: dict) -> int | None:
        return parse_version(record.get(VERSION_FIELD))

    def label(self, record: dict) -> str:
        return self.number(record)

    def _label_fields(self) -> tuple[str, ...]:
        return self.metadata.primary_name_attribute, VERSION_FIELD

    def attribute_type(self, attribute: str) -> str:
        meta = self.metadata.attributes.get(attribute)
        return meta.type if meta else ""

    def is_lookup(self, attribute: str) -> bool:
        return self.attribute_type(attribute).lower() in {"lookup", "owner", "customer"}

    def read_name(self, attribute: str) -> str:
        """How a column appears in a read: lookups as ``_<name>_value``."""
        return f"_{attribute}_value" if self.is_lookup(attribute) else attribute

    def changed_by_integration(self, record: dict) -> bool:
        """BC ignores changes the integration user made (they came from BC): no ping-pong."""
        who = str(record.get("_modifiedby_value") or "").lower()
        return bool(who) and who in self.integration_user_ids

    def compiled_filter(self) -> SalesFilter:
        """The Integration Table Filter checked against this side's metadata (no request: a
        column without metadata is refused, naming it)."""
        mapping = self.mapping
        try:
            return sales_filter(mapping.integration_table_filter,
                                mapping.integration_table_filter_syntax,
                                catalogues.dataverse(self.metadata))
        except FilterError as exc:
            raise RemoteUnavailable(f"Integration Table Filter of {mapping.name}: {exc}") from exc

    def read_pages(self, since: datetime | None, page_size: int = 5000
                   ) -> Iterator[list[dict]]:
        """Rows in the Integration Table Filter changed after ``since``, oldest change first.
        The filter is compiled now, in the caller's thread; pages are read when iterated."""
        compiled = self.compiled_filter()
        conditions = [compiled.filter_text] if compiled.filter_text else []
        if since:
            conditions.append(self.modified_after(since - WATERMARK_OVERLAP))
        pages = self.client.query_pages(self.entity_set, filter=odata.all_of(conditions),
                                        orderby=odata.ascending(self.modified_field),
                                        page_size=page_size)
        return ([r for r in page if compiled.matches(r)] for page in pages)

    def _fetch_chunk(self, ids: list[str]) -> list[dict]:
        return list(self.client.query(self.entity_set,
                                      filter=odata.any_equal(self.id_field, ids)))

    def has_changes_since(self, since: datetime) -> bool:
        """Whether someone other than the integration changed a row after ``since``.

        ``since`` is a modifiedon of whole seconds, so rows of that very second are read too and
        their versionnumber compared with the coupling's: an edit in the same second as the last
        synchronized one still counts (one small read, one coupling query).
        """
        compiled = self.compiled_filter()
        conditions = [self.modified_after(since - WATERMARK_OVERLAP), compiled.filter_text]
        conditions += [odata.not_equal("_modifiedby_value", user)
                       for user in self.integration_user_ids]
        select = [self.id_field, self.modified_field]
        if VERSION_FIELD in self.metadata.attributes:
            select.append(VERSION_FIELD)
        pages = self.client.query_pages(self.entity_set, filter=odata.all_of(conditions),
                                        select=select, page_size=CHANGE_PROBE_ROWS)
        rows: list[dict] = next(iter(pages), [])
        if len(rows) >= CHANGE_PROBE_ROWS:
            return True
        synced = Coupling.objects.for_sales_ids(self.mapping, [self.record_id(r) for r in rows])
        return any(self._newer_than_sync(r, synced.get(uuid.UUID(self.record_id(r))))
                   for r in rows)

    def _newer_than_sync(self, row: dict, coupling: Coupling | None) -> bool:
        if coupling is None:
            return True
        return coupling.is_sales_modified_after_last_sync(self.modified_on(row), self.version(row))
