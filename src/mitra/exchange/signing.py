"""Ed25519 node keys and signatures over canonical JSON."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import InvalidInput


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
