"""The bytes that hashes and signatures cover: RFC 8785 JSON Canonicalization Scheme (JCS).

A partner in any language reproduces them with any JCS implementation. ``rfc8785`` (pure Python) is the
reference; for the common case, values whose canonical form the standard library's C encoder already
writes byte for byte, :func:`canonical_json` uses that encoder (``benchmarks/canonical.py`` measures
both on ATT&CK; ``tests/foundation/test_canonical.py`` checks they agree on arbitrary JSON values):

- no floats (JCS writes numbers as ECMAScript does: ``1.0`` is ``1``, ``1e21`` is ``1e+21``);
- no integer beyond ±(2**53 - 1): JCS reads numbers as IEEE doubles, as ECMAScript does, so a larger
  integer is kept where its double is spelled with the same digits (2**53) and refused where that
  double would change it (2**53 + 1);
- no member name with a character beyond U+FFFF (JCS sorts names by UTF-16 code units, Python by
  code points; the two orders differ only there).

Anything else goes through ``rfc8785``. Signatures made before Mitra used JCS covered
:func:`legacy_canonical_json` (sorted keys, no spaces); ``exchange.signing`` still accepts those.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from mitra.foundation.errors import InvalidInput

_SAFE_INTEGER = 2**53 - 1
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def canonical_json(value: Any, *, where: str = "value") -> str:
    """``value`` as RFC 8785 canonical JSON; :class:`InvalidInput` naming ``where`` if JCS cannot represent it."""
    if _plain(value):
        return _encode(value)
    try:
        return rfc8785.dumps(_as_doubles(value)).decode("utf-8")
    except rfc8785.CanonicalizationError as exc:
        raise InvalidInput(f"{where}: not representable as canonical JSON (RFC 8785): {exc}") from None


def legacy_canonical_json(value: Any) -> str:
    """What signatures covered before JCS: sorted keys, no spaces, UTF-8 (Python's own number spelling)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> bool:
    """Whether the standard encoder's output is already the JCS form of ``value``."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -_SAFE_INTEGER <= item <= _SAFE_INTEGER:
                continue
            return False
        if kind is dict:
            for key in item:
                if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                    return False
            stack.extend(item.values())
            continue
        if kind is list:
            stack.extend(item)
            continue
        return False  # floats, tuples, subclasses: the reference decides
    return True


def _as_doubles(value: Any) -> Any:
    """Integers beyond the safe range as doubles where JCS spells that double with the same digits.

    ECMAScript reads such a number as its nearest double; where that double's JCS spelling is the
    integer's own text, nothing is lost. Any other large integer stays one, and ``rfc8785`` refuses it.
    """
    if type(value) is int and abs(value) > _SAFE_INTEGER:
        try:
            double = float(value)
        except OverflowError:
            return value
        return double if rfc8785.dumps(double) == str(value).encode("ascii") else value
    if type(value) is dict:
        return {k: _as_doubles(v) for k, v in value.items()}
    if type(value) is list:
        return [_as_doubles(v) for v in value]
    return value
