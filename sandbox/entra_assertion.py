"""Certificate credentials: verify the client assertion JWT msal signs with the app's private
key (RS256 with ``x5t``, or PS256 with ``x5t#S256``; protocols.md 1.2)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check_assertion(assertion: str, client_id: str, certificate: Path | None) -> str:
    """Empty string when ``assertion`` is valid for ``client_id``, else the reason."""
    if certificate is None or not certificate.exists():
        return "No certificate is registered for the application."
    try:
        header_part, payload_part, signature_part = assertion.split(".")
        header: dict[str, Any] = json.loads(_decode(header_part))
        claims: dict[str, Any] = json.loads(_decode(payload_part))
        signature = _decode(signature_part)
    except ValueError:
        return "The assertion is not a JWT."
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        return "The assertion issuer and subject must be the client id."
    if claims.get("exp", 0) <= time.time():
        return "The assertion has expired."
    if not str(claims.get("aud", "")).endswith("/oauth2/v2.0/token"):
        return "The assertion audience must be the token endpoint."
    return _check_signature(
        header, f"{header_part}.{payload_part}".encode(), signature, certificate
    )


def _check_signature(header: dict[str, Any], signed: bytes, signature: bytes, path: Path) -> str:
    public_key = x509.load_pem_x509_certificate(path.read_bytes()).public_key()
    algorithm = header.get("alg")
    if algorithm == "RS256":
        scheme: Any = padding.PKCS1v15()
    elif algorithm == "PS256":
        scheme = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    else:
        return f"Unsupported assertion algorithm '{algorithm}'."
    try:
        # RS256 and PS256 are RSA signatures: an RSA certificate is registered for them.
        cast(rsa.RSAPublicKey, public_key).verify(signature, signed, scheme, hashes.SHA256())
    except InvalidSignature:
        return "The signature does not match the registered certificate."
    return ""
