"""The sandbox's pool app registrations as a connection's further application users."""

from connection.models import ConnectionSetup, SalesIdentity


def add_pool_identities(connection: ConnectionSetup, credentials: dict,
                        count: int = 3) -> list[SalesIdentity]:
    identities = []
    for app in credentials["pool_identities"][:count]:
        identity = SalesIdentity(connection=connection, name=app["name"],
                                 client_id=app["client_id"])
        identity.client_secret = app["client_secret"]
        identity.save()
        identities.append(identity)
    return identities
