"""Real service clients pointed at the running sandbox, registered for a connection."""

from connection.clients.auth import ClientSecretCredential
from connection.clients.business_central import BusinessCentralClient
from connection.clients.dataverse import DataverseClient
from mappings import remote


def register_sandbox_clients(connection, sandbox) -> None:
    creds = sandbox.credentials
    ca = creds["ca_bundle"]
    tokens = ClientSecretCredential(creds["authority"], creds["client_id"],
                                    creds["client_secret"], ca_bundle=ca)
    remote.use_clients(
        connection,
        BusinessCentralClient(creds["business_central_url"], tokens,
                              company_id=creds["company_id"], ca_bundle=ca),
        DataverseClient(creds["dataverse_url"], tokens, ca_bundle=ca))
