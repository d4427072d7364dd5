"""HTTPS for ``edumap serve``: the office's certificate, or a self-signed one for a trial.

Phones send from wherever a signal returns and a browser's service worker and geolocation need a
secure context off localhost, so the server speaks HTTPS itself (or sits behind a reverse proxy
that does). Without a certificate of its own, ``edumap serve --https`` writes a self-signed one
(for this host's name, localhost and its addresses) where the settings say, and uses it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# A trial certificate lasts a year: long enough for a census round.
SELF_SIGNED_DAYS = 365


def self_signed_certificate(cert_path: Path, key_path: Path, names: list[str]) -> None:
    """Write a self-signed certificate and its private key (readable by the owner only) for
    ``names`` (host names or IP addresses)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    alternatives: list[x509.GeneralName] = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def certificate_files(cert: Path, key: Path, host: str) -> tuple[Path, Path, bool]:
    """The certificate and key to serve with; both missing: a self-signed pair is written
    (the third value says so). One without the other is an error a person must fix."""
    if cert.exists() and key.exists():
        return cert, key, False
    if cert.exists() or key.exists():
        missing = key if cert.exists() else cert
        raise FileNotFoundError(f"{missing} is missing (certificate and key go together)")
    names = [socket.gethostname(), "localhost", "127.0.0.1"]
    if host not in ("0.0.0.0", "::", "") and host not in names:
        names.insert(0, host)
    self_signed_certificate(cert, key, names)
    return cert, key, True
