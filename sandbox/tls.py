"""Certificate authority and server certificate, generated on first start and reused after.

msal refuses plain http authorities (protocols.md 1.4), so the sandbox serves HTTPS with a
certificate for localhost, 127.0.0.1 and ::1 signed by its own CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

VALID_DAYS = 3650


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the CA bundle and the server key pair."""

    ca_bundle: Path
    certificate: Path
    private_key: Path


def ensure_tls_files(directory: Path) -> TlsFiles:
    """Return the TLS files in ``directory``, creating the CA and server certificate once."""
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    if not all(path.exists() for path in (files.ca_bundle, files.certificate, files.private_key)):
        directory.mkdir(parents=True, exist_ok=True)
        _write_new_certificates(files)
    return files


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "bcsales sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_new_certificates(files: TlsFiles) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _build_ca(ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _build_server_certificate(server_key, ca_key, ca_cert)
    files.ca_bundle.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.private_key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.private_key.chmod(0o600)


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return builder.not_valid_before(now - dt.timedelta(days=1)).not_valid_after(
        now + dt.timedelta(days=VALID_DAYS)
    )


def _build_ca(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = _name("bcsales sandbox CA")
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name)
    builder = _validity(
        builder.public_key(key.public_key()).serial_number(x509.random_serial_number())
    )
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
    )
    return builder.sign(key, hashes.SHA256())


def _build_server_certificate(
    key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate
) -> x509.Certificate:
    names = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    builder = x509.CertificateBuilder().subject_name(_name("localhost"))
    builder = builder.issuer_name(ca_cert.subject).public_key(key.public_key())
    builder = _validity(builder.serial_number(x509.random_serial_number()))
    builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    )
    builder = builder.add_extension(
        x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
    )
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
    )
    return builder.sign(ca_key, hashes.SHA256())


@dataclass(frozen=True)
class ClientCertificate:
    """An app registration's certificate credential (for client assertions, protocols.md 1.2)."""

    certificate: Path
    private_key: Path
    thumbprint: str  # SHA-1, hex, as msal's {"thumbprint": ...} expects


def ensure_client_certificate(directory: Path) -> ClientCertificate:
    """Return the app certificate in ``directory``, creating a self-signed RSA one once."""
    cert_path, key_path = directory / "client-cert.pem", directory / "client-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        builder = x509.CertificateBuilder().subject_name(_name("bcsales sandbox app"))
        builder = builder.issuer_name(_name("bcsales sandbox app")).public_key(key.public_key())
        cert = _validity(builder.serial_number(x509.random_serial_number())).sign(
            key, hashes.SHA256()
        )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return ClientCertificate(cert_path, key_path, cert.fingerprint(hashes.SHA1()).hex().upper())
