"""What ODK Collect sends: a form's primary instance filled as Collect fills it, and an
encrypted form's submission as Collect encrypts it."""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import uuid
from xml.etree import ElementTree as StdElementTree

from cryptography.hazmat.decrepit.ciphers.modes import CFB  # Collect's AES mode
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import ElementTree

XF = "{http://www.w3.org/2002/xforms}"
HTML = "{http://www.w3.org/1999/xhtml}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


def filled_instance(
    xml: str,
    values: dict[str, str],
    children: list[dict[str, str]],
    instance_id: str | None = None,
    deprecated_id: str | None = None,
) -> bytes:
    """The form's primary instance filled as Collect fills it: the repeat's template dropped,
    one copy of the repeat a child, an instanceID (and for an edit, the deprecatedID)."""
    root = ElementTree.fromstring(xml.encode())
    data = next(iter(root.find(f"{HTML}head/{XF}model/{XF}instance")))
    for element in data.iter():
        element.tag = element.tag.replace(XF, "")
    template = next(e for e in data.findall("children") if e.get(JR_TEMPLATE) is not None)
    data.remove(template)
    for extra in data.findall("children"):
        data.remove(extra)
    for name, value in values.items():
        data.find(name).text = value
    position = list(data).index(data.find("location")) + 1
    for offset, child in enumerate(children):
        element = copy.deepcopy(template)
        element.attrib.clear()
        for name, value in child.items():
            element.find(name).text = value
        data.insert(position + offset, element)
    data.find("meta/instanceID").text = instance_id or f"uuid:{uuid.uuid4()}"
    if deprecated_id:  # Collect's edit of a sent form names the version it replaces
        StdElementTree.SubElement(data.find("meta"), "deprecatedID").text = deprecated_id
    return StdElementTree.tostring(data, encoding="utf-8")


def encrypted_as_collect(
    public_key: str,
    form_id: str,
    version: str | None,
    instance_id: str,
    xml: bytes,
    media: list[tuple[str, bytes]] | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """A finalised encrypted submission as Collect makes it (EncryptionUtils; ODK's
    "Encrypted Forms"): a random AES-256 key under the form's RSA key (OAEP, SHA-256, MGF1
    SHA-1); each media file, then the XML, in AES/CFB/PKCS5Padding with the IV seeded from
    MD5(instanceID + key) and one byte more per file; the manifest with the signature of
    form id, version, key, instanceID and each file's name::md5. Returns the manifest (the
    ``xml_submission_file``) and the files to post beside it."""
    rsa_key = serialization.load_der_public_key(base64.b64decode(public_key))
    assert isinstance(rsa_key, rsa.RSAPublicKey)
    oaep = OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA256(), label=None)
    symmetric = os.urandom(32)
    encrypted_key = base64.b64encode(rsa_key.encrypt(symmetric, oaep)).decode()
    iv = bytearray(hashlib.md5(instance_id.encode() + symmetric).digest())
    files: dict[str, bytes] = {}
    signed = [form_id, *([version] if version else []), encrypted_key, instance_id]
    for number, (name, content) in enumerate([*(media or []), ("submission.xml", xml)]):
        iv[number % 16] = (iv[number % 16] + 1) % 256
        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(symmetric), CFB(bytes(iv))).encryptor()
        padded = padder.update(content) + padder.finalize()
        files[f"{name}.enc"] = encryptor.update(padded) + encryptor.finalize()
        signed.append(f"{name}::{hashlib.md5(content).hexdigest()}")
    digest = hashlib.md5(("\n".join(signed) + "\n").encode()).digest()
    signature = base64.b64encode(rsa_key.encrypt(digest, oaep)).decode()
    media_xml = "".join(f"<media><file>{name}.enc</file></media>" for name, _ in media or [])
    version_attribute = f' version="{version}"' if version else ""
    manifest = (
        f'<data xmlns="http://opendatakit.org/submissions" encrypted="yes" id="{form_id}"'
        f"{version_attribute}><base64EncryptedKey>{encrypted_key}</base64EncryptedKey>"
        f'<meta xmlns="http://openrosa.org/xforms"><instanceID>{instance_id}</instanceID></meta>'
        f"{media_xml}<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature></data>"
    )
    return manifest.encode(), files
