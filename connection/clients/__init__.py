"""The only code of the portal that speaks HTTP to Microsoft services.

Build a credential (:mod:`.auth`), then a :class:`DataverseClient` or
:class:`BusinessCentralClient`; errors are the typed classes of :mod:`.errors`.
"""

from connection.clients.auth import (
    BasicCredential,
    CertificateCredential,
    ClientSecretCredential,
    UsernamePasswordCredential,
    authority_url,
)
from connection.clients.business_central import BcOperation, BusinessCentralClient
from connection.clients.dataverse import DataverseClient
from connection.clients.dataverse_batch import BatchOperation
from connection.clients.errors import (
    AuthenticationError,
    BadRequest,
    ClientError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ServiceError,
    ServiceUnavailable,
    Throttled,
    Unauthorized,
)
from connection.clients.http import RetryPolicy
from connection.clients.results import (
    AttributeMetadata,
    ClientCounters,
    Company,
    EntityMetadata,
    OperationResult,
    WhoAmI,
)

__all__ = [
    "AttributeMetadata", "AuthenticationError", "BadRequest", "BasicCredential",
    "BatchOperation", "BcOperation", "BusinessCentralClient", "CertificateCredential",
    "ClientCounters", "ClientError", "ClientSecretCredential", "Company", "Conflict",
    "ConnectionFailed", "DataverseClient", "EntityMetadata", "Forbidden", "NotFound",
    "OperationResult", "PreconditionFailed", "RetryPolicy", "ServiceError",
    "ServiceUnavailable", "Throttled", "Unauthorized", "UsernamePasswordCredential", "WhoAmI",
    "authority_url",
]
