"""MISP warninglists: known-benign values (RFC 1918, public resolvers, top sites...) that flag indicators.

Lists are read from MISP warninglist JSON (``type`` string, cidr, hostname, substring or regex)
and indexed once: exact strings in a set, CIDR blocks in one set of network numbers per
prefix length, hostnames by suffix (a value hits when it or a parent domain is listed).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mitra.foundation.errors import InvalidInput
from mitra.pillars.intel.observables import equality_values

LIST_TYPES = ("string", "cidr", "hostname", "substring", "regex")
# Where a node finds the lists: its own data folder first, then the shared data beside the repository.
_REPO_SHARED = Path(__file__).resolve().parents[5] / "shared" / "data" / "intel" / "misp-warninglists"


@dataclass(frozen=True, slots=True)
class WarninglistHit:
    """A value of an indicator found on a warninglist."""

    value: str
    list_name: str
    list_file: str
    entry: str


@dataclass
class Warninglist:
    """One list, indexed for its type."""

    name: str
    file: str
    type: str
    description: str
    strings: set[str] = field(default_factory=set)
    networks: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # (version, prefix) -> network ints
    hosts: set[str] = field(default_factory=set)
    substrings: list[str] = field(default_factory=list)
    regexes: list[re.Pattern[str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return (
            len(self.strings)
            + sum(len(v) for v in self.networks.values())
            + len(self.hosts)
            + len(self.substrings)
            + len(self.regexes)
        )

    def hit(self, value: str) -> str | None:
        """The entry ``value`` hits, or None."""
        return self.hit_prepared(_Prepared.of(value))

    def hit_prepared(self, value: _Prepared) -> str | None:
        if self.type == "string":
            return value.lowered if value.lowered in self.strings else None
        if self.type == "cidr":
            return self._cidr_hit(value.network) if value.network is not None else None
        if self.type == "hostname":
            return self._host_hit(value.host)
        if self.type == "substring":
            return next((s for s in self.substrings if s in value.lowered), None)
        return next((r.pattern for r in self.regexes if r.search(value.raw)), None)

    def _cidr_hit(self, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str | None:
        number = int(network.network_address)
        bits = network.max_prefixlen
        for (version, prefix), numbers in self.networks.items():
            if version != network.version or prefix > network.prefixlen:
                continue
            masked = number >> (bits - prefix) << (bits - prefix)
            if masked in numbers:
                address = ipaddress.IPv4Address(masked) if network.version == 4 else ipaddress.IPv6Address(masked)
                return f"{address}/{prefix}"
        return None

    def _host_hit(self, host: str) -> str | None:
        if not host:
            return None
        labels = host.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if candidate in self.hosts:
                return candidate
        return None


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A value read once for every list: lower-cased, as an IP network if it is one, and its host."""

    raw: str
    lowered: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    host: str

    @classmethod
    def of(cls, value: str) -> _Prepared:
        lowered = value.strip().lower()
        network = None
        if lowered[:1].isdigit() or ":" in lowered[:5]:  # only these can be addresses: skip the parse otherwise
            try:
                network = ipaddress.ip_network(lowered, strict=False)
            except ValueError:
                network = None
        return cls(value, lowered, network, _host_of(lowered))


def _host_of(value: str) -> str:
    if "://" in value:
        return (urlsplit(value).hostname or "").rstrip(".")
    return value.split("/", 1)[0].rstrip(".")


def parse_warninglist(document: Any, *, where: str) -> Warninglist:
    """One MISP warninglist document; :class:`InvalidInput` naming the file when malformed."""
    if not isinstance(document, dict):
        raise InvalidInput(f"{where}: a warninglist is a JSON object")
    list_type = document.get("type", "string")
    entries = document.get("list")
    if list_type not in LIST_TYPES:
        raise InvalidInput(f"{where}: unknown warninglist type {list_type!r}")
    if not isinstance(entries, list):
        raise InvalidInput(f"{where}: 'list' must be a list")
    result = Warninglist(
        name=str(document.get("name") or where),
        file=where,
        type=str(list_type),
        description=str(document.get("description") or ""),
    )
    for raw in entries:
        entry = str(raw).strip()
        if not entry:
            continue
        if list_type == "string":
            result.strings.add(entry.lower())
        elif list_type == "cidr":
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise InvalidInput(f"{where}: {entry!r} is not a CIDR block") from None
            key = (network.version, network.prefixlen)
            result.networks.setdefault(key, set()).add(int(network.network_address))
        elif list_type == "hostname":
            result.hosts.add(entry.lower().lstrip(".").rstrip("."))
        elif list_type == "substring":
            result.substrings.append(entry.lower())
        else:
            try:
                result.regexes.append(re.compile(entry))
            except re.error as exc:
                raise InvalidInput(f"{where}: bad regex {entry!r}: {exc}") from None
    return result


@dataclass
class WarninglistIndex:
    """Every loaded list; ``check`` answers which lists a value hits."""

    lists: list[Warninglist] = field(default_factory=list)

    def check(self, value: str) -> list[WarninglistHit]:
        hits: list[WarninglistHit] = []
        prepared = _Prepared.of(value)
        for warninglist in self.lists:
            entry = warninglist.hit_prepared(prepared)
            if entry is not None:
                hits.append(WarninglistHit(value, warninglist.name, warninglist.file, entry))
        return hits

    def check_pattern(self, pattern: str) -> list[WarninglistHit]:
        """Hits for every value compared for equality in a STIX pattern."""
        hits: list[WarninglistHit] = []
        for _kind, _path, value in equality_values(pattern):
            hits.extend(self.check(value))
        return hits

    def check_object(self, obj: dict[str, Any]) -> list[WarninglistHit]:
        pattern = obj.get("pattern")
        if obj.get("type") != "indicator" or not isinstance(pattern, str):
            return []
        return self.check_pattern(pattern)


def load_warninglists(paths: Iterable[Path]) -> WarninglistIndex:
    """Read every ``*.json`` list in the given files or folders (sorted, so the order is stable)."""
    index = WarninglistIndex()
    for path in paths:
        files: Sequence[Path] = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            try:
                document = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InvalidInput(f"{file}: cannot read warninglist: {exc}") from None
            index.lists.append(parse_warninglist(document, where=file.name))
    return index


def warninglist_dirs(data_dir: Path) -> list[Path]:
    """The node's own lists (``<data_dir>/intel/warninglists``), else the shared data's."""
    own = data_dir / "intel" / "warninglists"
    if own.is_dir() and any(own.glob("*.json")):
        return [own]
    return [_REPO_SHARED] if _REPO_SHARED.is_dir() else []


@lru_cache(maxsize=4)
def _cached(paths: tuple[Path, ...]) -> WarninglistIndex:
    return load_warninglists(paths)


def node_warninglists(data_dir: Path) -> WarninglistIndex:
    """The lists for a node, loaded once per process."""
    return _cached(tuple(warninglist_dirs(data_dir)))
