"""Encrypted forms (XLSForm's ``public_key`` setting), as ODK Collect encrypts them, so a lost
phone gives nothing away and the office's server decrypts with its own key.

What Collect sends for a finalised encrypted form (ODK's "Encrypted Forms" documentation and
Collect's EncryptionUtils): a random 256-bit AES key, encrypted with the form's RSA public key
(``RSA/NONE/OAEPWithSHA256AndMGF1Padding``: OAEP with SHA-256 and MGF1 over SHA-1), in a
manifest XML (``base64EncryptedKey``, ``meta/instanceID``, ``media/file`` names, the
``encryptedXmlFile`` name, and ``base64EncryptedElementSignature``); each media file and, last,
the submission XML encrypted with ``AES/CFB/PKCS5Padding``, the IV of the n-th file being the MD5
of instanceID + AES key with byte ``(n-1) mod 16`` incremented (cumulatively, per file). The
signature is the RSA-OAEP encryption of the MD5 of the lines form id, version (if any), the
encrypted key, the instanceID and ``name::md5`` of each plain file (without ``.enc``), each line
ended by a newline; edumap checks it, so a manifest and files that do not belong together are
refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.decrepit.ciphers.modes import CFB  # Collect's AES mode
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import ElementTree

from kernel.errors import InvalidInputError

SUBMISSIONS_NS = "http://opendatakit.org/submissions"
OPENROSA_NS = "http://openrosa.org/xforms"
# Java's OAEPWithSHA256AndMGF1Padding keeps MGF1 on SHA-1.
COLLECT_OAEP = OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA256(), label=None)


def new_office_key(path: Path) -> str:
    """Write a new RSA key (2048 bits, PEM, readable by the owner only) and return its public
    key as an XLSForm's ``public_key`` takes it (base64 DER SubjectPublicKeyInfo)."""
    if path.exists():
        raise InvalidInputError("key", f"{path} exists: the forms encrypted for it need it")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return public_key_text(key.public_key())


def public_key_text(key: rsa.RSAPublicKey) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def load_office_key(path: Path) -> rsa.RSAPrivateKey | None:
    if not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidInputError("key", f"{path} is not an RSA key")
    return key


def form_public_key(xform: str) -> str | None:
    """The ``base64RsaPublicKey`` of an XForm's submission element (pyxform writes the
    XLSForm's ``public_key`` there), None for a form that is not encrypted."""
    root = ElementTree.fromstring(xform.encode())
    for element in root.iter("{http://www.w3.org/2002/xforms}submission"):
        value = element.get("base64RsaPublicKey")
        if value:
            return "".join(value.split())
    return None


@dataclass(frozen=True)
class Decrypted:
    xml: bytes
    media: tuple[tuple[str, bytes], ...]


def is_encrypted(root: object) -> bool:
    return getattr(root, "get", lambda _k: None)("encrypted") == "yes"


def _text(root: object, name: str, namespace: str = SUBMISSIONS_NS) -> str:
    element = root.find(f"{{{namespace}}}{name}")  # type: ignore[attr-defined]
    if element is None or not (element.text or "").strip():
        raise InvalidInputError(name, f"the encrypted submission has no {name}")
    return str(element.text).strip()


def decrypt_submission(
    key: rsa.RSAPrivateKey, manifest: bytes, files: dict[str, bytes]
) -> Decrypted:
    """The plain submission XML and media files of an encrypted submission, its signature
    checked; refused, naming what is wrong, when they do not decrypt or do not match."""
    root = ElementTree.fromstring(manifest)
    try:
        symmetric = key.decrypt(base64.b64decode(_text(root, "base64EncryptedKey")), COLLECT_OAEP)
    except (ValueError, binascii.Error, InvalidKey) as exc:
        raise InvalidInputError(
            "base64EncryptedKey", "not encrypted for this office's key"
        ) from exc
    meta = root.find(f"{{{OPENROSA_NS}}}meta")
    instance_id = _text(meta, "instanceID", OPENROSA_NS) if meta is not None else ""
    if not instance_id:
        raise InvalidInputError("meta/instanceID", "the encrypted submission has no instanceID")
    media_names = [
        str(element.text).strip()
        for element in root.iter(f"{{{SUBMISSIONS_NS}}}file")
        if element.text and element.text.strip()
    ]
    xml_name = _text(root, "encryptedXmlFile")
    seed = bytearray(hashlib.md5(instance_id.encode() + symmetric).digest())
    counter = 0
    plain: list[tuple[str, bytes]] = []
    for name in [*media_names, xml_name]:
        if name not in files:
            raise InvalidInputError(name, f"the encrypted file {name} was not sent")
        seed[counter % len(seed)] = (seed[counter % len(seed)] + 1) % 256
        counter += 1
        decryptor = Cipher(algorithms.AES(symmetric), CFB(bytes(seed))).decryptor()
        padded = decryptor.update(files[name]) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            content = unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise InvalidInputError(name, f"{name} does not decrypt with the key sent") from exc
        plain.append((name.removesuffix(".enc"), content))
    lines = [str(root.get("id") or "")]
    if root.get("version"):
        lines.append(str(root.get("version")))
    lines += [_text(root, "base64EncryptedKey"), instance_id]
    lines += [f"{name}::{hashlib.md5(content).hexdigest()}" for name, content in plain]
    expected = hashlib.md5(("\n".join(lines) + "\n").encode()).digest()
    try:
        signed = key.decrypt(
            base64.b64decode(_text(root, "base64EncryptedElementSignature")), COLLECT_OAEP
        )
    except (ValueError, binascii.Error) as exc:
        raise InvalidInputError(
            "base64EncryptedElementSignature", "not signed for this key"
        ) from exc
    if signed != expected:
        raise InvalidInputError(
            "base64EncryptedElementSignature", "the files do not match the submission's signature"
        )
    *media, (_, xml) = plain
    return Decrypted(xml=xml, media=tuple(media))
