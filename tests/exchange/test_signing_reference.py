"""libsodium (PyNaCl) verifies the receive path's signatures; ``cryptography`` is the reference: same verdicts."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.exchange.signing import verify_text

KEYS = [Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32) for n in (1, 2)]


def _reference(public: Ed25519PublicKey, text: str, raw: bytes) -> bool:
    try:
        public.verify(raw, text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True


@st.composite
def cases(draw: st.DrawFn) -> tuple[Ed25519PublicKey, str, bytes]:
    signer, checker = draw(st.sampled_from(KEYS)), draw(st.sampled_from(KEYS))
    text = draw(st.text(max_size=200))
    raw = signer.sign(text.encode("utf-8"))
    change = draw(st.sampled_from(["none", "none", "text", "flip", "cut", "random"]))
    if change == "text":
        text = text + draw(st.text(min_size=1, max_size=3))
    elif change == "flip":
        at = draw(st.integers(0, 63))
        raw = raw[:at] + bytes([raw[at] ^ (1 << draw(st.integers(0, 7)))]) + raw[at + 1 :]
    elif change == "cut":
        raw = raw[: draw(st.integers(0, 63))]
    elif change == "random":
        raw = draw(st.binary(min_size=64, max_size=64))
    return checker.public_key(), text, raw


@settings(max_examples=400, deadline=None)
@given(cases())
def test_libsodium_and_cryptography_give_the_same_verdict(case: tuple[Ed25519PublicKey, str, bytes]) -> None:
    public, text, raw = case
    assert verify_text(public, text, raw) == _reference(public, text, raw)


def test_a_good_signature_verifies_and_a_forged_one_does_not() -> None:
    key = KEYS[0]
    raw = key.sign(b"released to MYS")
    assert verify_text(key.public_key(), "released to MYS", raw)
    assert not verify_text(key.public_key(), "released to IDN", raw)
    assert not verify_text(KEYS[1].public_key(), "released to MYS", raw)
