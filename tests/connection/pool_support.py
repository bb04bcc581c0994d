"""The sandbox's pool app registrations as a connection's further application users."""

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connection.models import ConnectionSetup, IdentityCheck, SalesIdentity


@cache
def private_key_pem() -> str:
    """An unencrypted PEM private key, as a certificate identity stores."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def add_pool_identities(connection: ConnectionSetup, credentials: dict, count: int = 3,
                        passed: bool = True) -> list[SalesIdentity]:
    """``count`` pool apps as identities; ``passed`` records a passed check on them (what Test
    Connection records after Redeploy), so jobs write with them; otherwise never checked."""
    identities = []
    for app in credentials["pool_identities"][:count]:
        identity = SalesIdentity(connection=connection, name=app["name"],
                                 client_id=app["client_id"])
        identity.client_secret = app["client_secret"]
        if passed:
            identity.check_status = IdentityCheck.PASSED
        identity.save()
        identities.append(identity)
    return identities
