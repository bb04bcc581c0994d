"""What a side needs from its client, as Protocols: the engine depends on these methods only, so
a DataverseClient, an IdentityPool or a test's fake may stand behind a side, and mypy checks
every call a side makes against them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from connection.clients.business_central import BcOperation
from connection.clients.dataverse_batch import BatchOperation, PreparedBatch
from connection.clients.results import ClientCounters, EntityMetadata, OperationResult


class SalesClient(Protocol):
    """The Dataverse Web API as a Sales side reads and writes it."""

    def entity_metadata(self, logical_name: str, *, fresh: bool = False) -> EntityMetadata: ...

    def query_pages(self, entity_set: str, *, select: Sequence[str] | None = None,
                    filter: str | None = None, orderby: str | None = None,
                    expand: str | None = None, page_size: int = ...,
                    annotations: str | None = None) -> Iterator[list[dict[str, Any]]]: ...

    def query(self, entity_set: str, **options: Any) -> Iterator[dict[str, Any]]: ...

    def batch(self, operations: Sequence[BatchOperation], continue_on_error: bool = True,
              atomic: bool = False, batch_size: int = ...) -> list[OperationResult]: ...

    def prepare_batch(self, operations: Sequence[BatchOperation], continue_on_error: bool = True,
                      atomic: bool = False) -> PreparedBatch: ...

    def send_batch(self, prepared: PreparedBatch, offset: int = 0) -> list[OperationResult]: ...

    def count(self, entity_set: str, filter: str | None = None) -> int: ...

    def parallelism(self, default: int) -> int: ...

    def held_seconds(self) -> float: ...

    def counters(self) -> ClientCounters: ...


class BcClient(Protocol):
    """Business Central's API v2.0 and its published OData pages, as a BC side uses them."""

    def query_pages(self, entity: str, *, filter: str | None = None,
                    select: Sequence[str] | None = None, expand: str | None = None,
                    orderby: str | None = None,
                    page_size: int = ...) -> Iterator[list[dict[str, Any]]]: ...

    def query(self, entity: str, **options: Any) -> Iterator[dict[str, Any]]: ...

    def count(self, entity: str, filter: str | None = None) -> int: ...

    def batch(self, operations: Sequence[BcOperation],
              isolation_snapshot: bool = False) -> list[OperationResult]: ...

    def odata_pages(self, page_name: str, *, filter: str | None = None,
                    select: Sequence[str] | None = None,
                    page_size: int = ...) -> Iterator[list[dict[str, Any]]]: ...

    def odata_query(self, page_name: str, **options: Any) -> Iterator[dict[str, Any]]: ...

    def odata_create(self, page_name: str, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def odata_update(self, page_name: str, key: Mapping[str, Any], body: Mapping[str, Any],
                     etag: str = "*") -> dict[str, Any]: ...

    def counters(self) -> ClientCounters: ...


if TYPE_CHECKING:
    from connection.clients.business_central import BusinessCentralClient
    from connection.clients.dataverse import DataverseClient
    from connection.clients.pool import IdentityPool

    def _the_real_clients_fit(dataverse: DataverseClient, pool: IdentityPool,
                              bc: BusinessCentralClient) -> tuple[SalesClient, SalesClient,
                                                                  BcClient]:
        return dataverse, pool, bc  # mypy proves each client has what its side calls
