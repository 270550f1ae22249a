"""Ed25519 node keys and signatures over canonical JSON."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mitra.core.errors import InvalidInput
from mitra.core.stix import canonical_json


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The node's private key; created (mode 0600) on first use."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"{path}: not an Ed25519 private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw public key, base64: what partners exchange and pin."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id(public_text: str) -> str:
    return hashlib.sha256(base64.b64decode(public_text)).hexdigest()[:16]


def parse_public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise InvalidInput(f"public key: {exc}") from None


def sign_value(key: Ed25519PrivateKey, value: Any) -> str:
    return sign_canonical(key, canonical_json(value))


def sign_canonical(key: Ed25519PrivateKey, text: str) -> str:
    """The signature of a value's canonical JSON ``text`` (as the store keeps object bodies)."""
    return base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii")


def verify_value(public: Ed25519PublicKey, value: Any, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), canonical_json(value).encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
