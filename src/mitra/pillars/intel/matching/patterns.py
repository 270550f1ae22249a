"""Recognise the STIX patterns the fast path can answer: ORs of equalities and IPv4 ``ISSUBSET`` tests.

The parser is deliberately narrow. It accepts only a canonical subset of the STIX 2.1 pattern
grammar (``[t:p = 'v' OR ...] OR [...]``, with no parentheses, comments, qualifiers, ``AND`` or
other operators) and answers ``None`` for anything else, which then goes to ``stix2-matcher``.
A pattern it accepts means exactly what ``stix2-matcher`` makes of it: string literals are
decoded as ``stix2-matcher`` decodes them and equality is exact, case-sensitive string equality.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

# Observable types whose ``value`` the fast path indexes.
VALUE_TYPES = frozenset({"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr"})
# ``file:hashes.<key>`` keys the fast path indexes (none ends in ``_hex``/``_bin``, which stix2-matcher decodes).
HASH_KEYS = frozenset({"MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH"})

ObservableKey = tuple[str, str]  # (object type, property path): ("ipv4-addr", "value"), ("file", "hashes.MD5")

_SPACE = frozenset(" \t\r\n")
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_REST = _IDENT_START | frozenset("0123456789")
_TYPE_CHARS = _IDENT_REST | frozenset("-")


@dataclass(frozen=True, slots=True)
class SimplePattern:
    """A pattern that matches an observation iff one of its tests holds for one of its objects."""

    equalities: tuple[tuple[ObservableKey, str], ...]
    subnets: tuple[tuple[int, int], ...]  # IPv4 (network int, prefix length) from ``ipv4-addr:value ISSUBSET``


class _NotSimple(Exception):
    """The pattern is outside the subset; the caller falls back to stix2-matcher."""


def ipv4_to_int(text: str) -> int:
    """An IPv4 address as ``stix2-matcher`` reads it (``inet_aton``: also ``10.1``, ``0x0a.1.2.3``)."""
    (value,) = struct.unpack(">I", socket.inet_aton(text))
    return int(value)


def parse_cidr(text: str) -> tuple[int, int]:
    """``a.b.c.d/n`` (1 ≤ n ≤ 32) as (address int, n), raising ``ValueError`` where stix2-matcher raises."""
    slash = text.find("/")
    if slash == -1:
        raise ValueError(f"not a CIDR subnet: {text!r}")
    address = ipv4_to_int(text[:slash])
    prefix_text = text[slash + 1 :]
    if not prefix_text.isdigit():
        raise ValueError(f"not a CIDR subnet: {text!r}")
    prefix = int(prefix_text)
    if prefix < 1 or prefix > 32:
        raise ValueError(f"not a CIDR subnet: {text!r}")
    return address, prefix


def parse_ip_or_cidr(text: str) -> tuple[int, int]:
    """An observed IPv4 value (address or subnet) as (address int, prefix); raises where stix2-matcher does."""
    if text.find("/") == -1:
        return ipv4_to_int(text), 32
    return parse_cidr(text)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def skip_space(self) -> None:
        text, at = self.text, self.at
        while at < len(text) and text[at] in _SPACE:
            at += 1
        self.at = at

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.at] if self.at < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise _NotSimple
        self.at += 1

    def word(self, allowed: frozenset[str]) -> str:
        self.skip_space()
        start = self.at
        text = self.text
        while self.at < len(text) and text[self.at] in allowed:
            self.at += 1
        return text[start : self.at]

    def string(self) -> str:
        """A StringLiteral, decoded exactly as stix2-matcher decodes it."""
        self.expect("'")
        text = self.text
        start = at = self.at
        while True:
            if at >= len(text):
                raise _NotSimple
            char = text[at]
            if char == "'":
                break
            if char == "\\":
                if at + 1 >= len(text) or text[at + 1] not in "'\\":
                    raise _NotSimple
                at += 2
                continue
            at += 1
        self.at = at + 1
        return text[start:at].replace("\\'", "'").replace("\\\\", "\\")

    def at_end(self) -> bool:
        return self.peek() == ""


def _comparison(reader: _Reader, equalities: list[tuple[ObservableKey, str]], subnets: list[tuple[int, int]]) -> None:
    type_name = reader.word(_TYPE_CHARS)
    reader.expect(":")
    first = reader.word(_IDENT_REST)
    if not first or first[0] not in _IDENT_START:
        raise _NotSimple
    if type_name == "file" and first == "hashes":
        reader.expect(".")
        if reader.peek() == "'":
            key = reader.string()
        else:
            key = reader.word(_IDENT_REST)
            if not key or key[0] not in _IDENT_START:
                raise _NotSimple
        if key not in HASH_KEYS:
            raise _NotSimple
        prop = f"hashes.{key}"
    elif type_name in VALUE_TYPES and first == "value":
        prop = "value"
    else:
        raise _NotSimple
    if reader.peek() == "=":
        reader.at += 1
        equalities.append(((type_name, prop), reader.string()))
        return
    operator = reader.word(_IDENT_REST)
    if operator != "ISSUBSET" or type_name != "ipv4-addr":
        raise _NotSimple
    try:
        subnets.append(parse_cidr(reader.string()))
    except (ValueError, OSError):
        raise _NotSimple from None  # stix2-matcher raises on it: leave it to stix2-matcher


def parse_simple(pattern: str) -> SimplePattern | None:
    """The pattern's tests if it lies in the fast path's subset, else ``None``."""
    reader = _Reader(pattern)
    equalities: list[tuple[ObservableKey, str]] = []
    subnets: list[tuple[int, int]] = []
    try:
        while True:
            reader.expect("[")
            while True:
                _comparison(reader, equalities, subnets)
                if reader.peek() == "]":
                    reader.at += 1
                    break
                if reader.word(_IDENT_REST) != "OR":
                    raise _NotSimple
            if reader.at_end():
                break
            if reader.word(_IDENT_REST) != "OR":
                raise _NotSimple
    except _NotSimple:
        return None
    return SimplePattern(tuple(equalities), tuple(subnets))
