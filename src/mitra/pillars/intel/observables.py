"""Indicator values and their STIX patterns: one table of kinds shared by the CSV and MISP importers.

A *kind* is what a value is (an IPv4 address, a domain, a SHA-256...). Each kind knows its
STIX object path and how to check a value; patterns are built with quotes escaped, and
read back (for export and warninglists) from simple equality comparisons.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9_](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?\.)+[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s'\\]{1,64}@[^@\s'\\]{1,253}$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


@dataclass(frozen=True, slots=True)
class ValueKind:
    """One kind of indicator value: its name, STIX path and MISP attribute type."""

    name: str
    path: str  # "ipv4-addr:value", "file:hashes.'SHA-256'"
    misp_type: str
    hex_length: int = 0

    def check(self, value: str) -> str | None:
        """Why ``value`` is not of this kind, or None when it is."""
        if not value or value != value.strip() or "\n" in value or len(value) > 2048:
            return "empty, padded, multi-line or longer than 2048 characters"
        if self.hex_length:
            if len(value) != self.hex_length or not _HEX.match(value):
                return f"a {self.name} is {self.hex_length} hexadecimal digits"
            return None
        if self.name in ("ipv4", "ipv6"):
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return f"not an IP address or CIDR block: {value[:60]!r}"
            if (network.version == 4) != (self.name == "ipv4"):
                return f"not an {self.name} address"
            return None
        if self.name == "domain" and not _DOMAIN.match(value):
            return f"not a domain name: {value[:60]!r}"
        if self.name == "email" and not _EMAIL.match(value):
            return f"not an e-mail address: {value[:60]!r}"
        if self.name == "url" and not _URL.match(value):
            return f"not a URL with a scheme: {value[:60]!r}"
        return None

    def comparison(self, value: str) -> str:
        return f"{self.path} = '{escape(value.lower() if self.hex_length else value)}'"


KINDS: dict[str, ValueKind] = {
    kind.name: kind
    for kind in (
        ValueKind("ipv4", "ipv4-addr:value", "ip-dst"),
        ValueKind("ipv6", "ipv6-addr:value", "ip-dst"),
        ValueKind("domain", "domain-name:value", "domain"),
        ValueKind("url", "url:value", "url"),
        ValueKind("email", "email-addr:value", "email"),
        ValueKind("md5", "file:hashes.'MD5'", "md5", 32),
        ValueKind("sha1", "file:hashes.'SHA-1'", "sha1", 40),
        ValueKind("sha256", "file:hashes.'SHA-256'", "sha256", 64),
        ValueKind("sha512", "file:hashes.'SHA-512'", "sha512", 128),
        ValueKind("filename", "file:name", "filename"),
        ValueKind("mutex", "mutex:name", "mutex"),
    )
}

# Names people and other tools use for the same kinds (MISP types, STIX type names).
ALIASES: dict[str, str] = {
    "ip": "ipv4",
    "ip-src": "ipv4",
    "ip-dst": "ipv4",
    "ipv4-addr": "ipv4",
    "ipv6-addr": "ipv6",
    "domain-name": "domain",
    "hostname": "domain",
    "link": "url",
    "uri": "url",
    "email-addr": "email",
    "email-src": "email",
    "email-dst": "email",
    "sha-1": "sha1",
    "sha-256": "sha256",
    "sha-512": "sha512",
    "file": "filename",
}
_PATH_KIND = {kind.path: kind for kind in KINDS.values()}
_PATH_KIND["ipv4-addr:value"] = KINDS["ipv4"]


def kind_named(name: str, value: str = "") -> ValueKind | None:
    """The kind a type name stands for; an IP type follows the value's version."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    kind = KINDS.get(key)
    if kind is not None and kind.name == "ipv4" and ":" in value:
        return KINDS["ipv6"]
    return kind


def guess_kind(value: str) -> ValueKind | None:
    """The kind of a bare value in a plain list, or None when it is none of them."""
    for name in ("ipv4", "ipv6", "url", "email", "md5", "sha1", "sha256", "sha512", "domain"):
        if KINDS[name].check(value) is None:
            return KINDS[name]
    return None


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def pattern_for(kind: ValueKind, value: str) -> str:
    return f"[{kind.comparison(value)}]"


_COMPARISON = re.compile(r"([a-z0-9-]+:[A-Za-z0-9_.'\-\[\]*]+)\s*=\s*'((?:[^'\\]|\\.)*)'")


def equality_values(pattern: str) -> list[tuple[ValueKind | None, str, str]]:
    """Every ``path = 'value'`` comparison in a STIX pattern: (kind or None, path, value)."""
    return [(_PATH_KIND.get(m.group(1)), m.group(1), unescape(m.group(2))) for m in _COMPARISON.finditer(pattern)]


def single_value(pattern: str) -> tuple[ValueKind, str] | None:
    """The kind and value of a pattern that is exactly one equality comparison, else None."""
    match = re.fullmatch(r"\[\s*" + _COMPARISON.pattern + r"\s*\]", pattern.strip())
    if match is None:
        return None
    kind = _PATH_KIND.get(match.group(1))
    return (kind, unescape(match.group(2))) if kind is not None else None
