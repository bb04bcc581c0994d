"""Encryption of stored secrets with the Fernet keys in ``settings.FIELD_ENCRYPTION_KEYS``.

The first key encrypts, every key decrypts (MultiFernet), so an operator rotates by putting a
new key first and keeping the old ones until every secret was saved again. The keys are kept
apart from ``SECRET_KEY`` so that rotating the one never makes the other unreadable.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be read with any of the configured keys."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise SecretDecryptionError("FIELD_ENCRYPTION_KEYS is empty: no key to encrypt secrets.")
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """Return the Fernet token (text) of ``plaintext`` under the first key."""
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Return the plaintext of ``token``; fail loudly when no configured key opens it."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Failing loudly beats answering with an empty secret: the next call to Microsoft
        # would fail with a confusing "invalid client secret" instead of naming the cause.
        raise SecretDecryptionError(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS. The key that "
            "encrypted it is missing: put it back in the list (new key first, old keys after)."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the first key (after a key was added in front)."""
    return _current().rotate(token.encode()).decode()


def secret_property(column: str, doc: str = "") -> property:
    """A model property that reads and writes plaintext kept encrypted in ``column``.

    An empty value is stored as an empty column, so "no secret" needs no key to read.
    """

    def getter(instance) -> str:
        token = getattr(instance, column)
        return decrypt(token) if token else ""

    def setter(instance, value: str | None) -> None:
        setattr(instance, column, encrypt(value) if value else "")

    return property(getter, setter, doc=doc)
