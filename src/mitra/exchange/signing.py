"""Ed25519 node keys and signatures over RFC 8785 canonical JSON (JCS)."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from mitra.foundation.canonical import canonical_json, legacy_canonical_json
from mitra.foundation.errors import InvalidInput


def key_id(public_text: str) -> str:
    return hashlib.sha256(base64.b64decode(public_text)).hexdigest()[:16]


def parse_public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise InvalidInput(f"public key: {exc}") from None


def signed_form(obj: Any, handling: dict[str, Any] | None) -> Any:
    """What a node signs for one object: the object itself when its handling is inside it (the node's own
    kind), else the object with the handling the node holds it under beside it (another producer's object,
    kept as published), so the handling is as authentic as the object."""
    return obj if handling is None else {"object": obj, "handling": handling}


def sign_value(key: Ed25519PrivateKey, value: Any) -> str:
    return sign_canonical(key, canonical_json(value))


def sign_canonical(key: Ed25519PrivateKey, text: str) -> str:
    """The signature of a value's canonical JSON ``text`` (as the store keeps object bodies)."""
    return base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii")


def verify_value(public: Ed25519PublicKey, value: Any, signature: str, *, text: str | None = None) -> bool:
    """Whether ``signature`` is ``public``'s over ``value``'s JCS form, or over the form Mitra signed before JCS.

    Both spell the same value, so accepting either authenticates the same content; the old form keeps
    signatures stored before the change (and those of a partner not yet upgraded) verifying.
    """
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    jcs = text  # the caller's JCS spelling of ``value``, when it has one already
    if jcs is None:
        with contextlib.suppress(InvalidInput):  # a value JCS cannot spell was signed, if at all, in the old form
            jcs = canonical_json(value)
    if jcs is not None and verify_text(public, jcs, raw):
        return True
    legacy = legacy_canonical_json(value)  # spelled only when the JCS form did not verify
    return legacy != jcs and verify_text(public, legacy, raw)


def verify_text(public: Ed25519PublicKey, text: str, raw: bytes) -> bool:
    """Ed25519 verification by libsodium (PyNaCl): about twice OpenSSL's speed on the receive path, where
    every object of a partner's page is verified. ``cryptography`` stays the reference: the tests hold
    both to the same verdict on good, tampered and malformed signatures."""
    try:
        _sodium_key(public.public_bytes_raw()).verify(text.encode("utf-8"), raw)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


@functools.lru_cache(maxsize=64)
def _sodium_key(raw_public: bytes) -> VerifyKey:
    return VerifyKey(raw_public)
