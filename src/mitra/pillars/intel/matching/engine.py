"""``IndicatorMatcher``: every active indicator against a batch of observations, fast path first.

Patterns that are ORs of equalities on indexed observables become hash lookups (one dict per
observable key, value → indicators); ``ipv4-addr:value ISSUBSET`` tests become one dict per
prefix length, keyed by the network part of the address. Every other pattern is compiled once
with ``stix2-matcher`` and run per observation, only on observations holding one of the object
types the pattern names (a pattern cannot match an observation without such an object).

A *match* is a pair (observation, indicator) for which ``stix2matcher.matcher.match(pattern,
[observation as observed-data], stix_version="2.1")`` returns a binding without raising; the
fast path reproduces exactly that, including stix2-matcher raising on an ``ISSUBSET`` test when
the observation holds an IPv4 value it cannot read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from stix2matcher.matcher import Pattern

from mitra.core.objects import ObjectStore, StixObject
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_timestamp
from mitra.pillars.intel.matching.observations import ObservationBatch
from mitra.pillars.intel.matching.patterns import ObservableKey, parse_ip_or_cidr, parse_simple
from mitra.policy import Actor

_IPV4_VALUE: ObservableKey = ("ipv4-addr", "value")


@dataclass(frozen=True, slots=True)
class ActiveIndicator:
    """What the matcher and the sighting writer need of one indicator."""

    id: str
    pattern: str
    name: str = ""
    originator_nation: str = ""
    handling: HandlingInput | None = None


@dataclass
class MatchSet:
    """The matches of one run: (observation number, indicator number) pairs."""

    pairs: set[tuple[int, int]] = field(default_factory=set)
    errors: int = 0  # (observation, indicator) pairs stix2-matcher raised on: not matches
    fallback_runs: int = 0  # stix2-matcher evaluations made

    def by_indicator(self) -> dict[int, list[int]]:
        grouped: dict[int, list[int]] = {}
        for observation, indicator in sorted(self.pairs):
            grouped.setdefault(indicator, []).append(observation)
        return grouped


@dataclass(frozen=True, slots=True)
class _Complex:
    indicator: int
    pattern: Pattern
    types: frozenset[str]


def _pattern_types(pattern: Pattern) -> frozenset[str]:
    comparisons: dict[str, Any] = pattern.inspect().comparisons
    return frozenset(comparisons)


class IndicatorMatcher:
    """All active indicators compiled for matching; build once, match many batches."""

    def __init__(self, indicators: Iterable[ActiveIndicator]) -> None:
        self.indicators: list[ActiveIndicator] = []
        self.invalid: list[tuple[str, str]] = []  # (indicator id, why it is not matched)
        equality: dict[ObservableKey, dict[str, list[int]]] = {}
        subnets: dict[int, dict[int, list[int]]] = {}
        self._has_subnet: set[int] = set()
        self._complex: list[_Complex] = []
        for indicator in indicators:
            number = len(self.indicators)
            simple = parse_simple(indicator.pattern)
            if simple is None:
                try:
                    compiled = Pattern(indicator.pattern, "2.1")
                except Exception as exc:  # antlr and stix2-patterns raise many kinds
                    self.invalid.append((indicator.id, f"pattern does not parse: {exc}"))
                    continue
                self.indicators.append(indicator)
                self._complex.append(_Complex(number, compiled, _pattern_types(compiled)))
                continue
            self.indicators.append(indicator)
            for key, value in simple.equalities:
                equality.setdefault(key, {}).setdefault(value, []).append(number)
            for network, prefix in simple.subnets:
                subnets.setdefault(prefix, {}).setdefault(network >> (32 - prefix), []).append(number)
                self._has_subnet.add(number)
        self._equality = {key: {v: tuple(ids) for v, ids in index.items()} for key, index in equality.items()}
        self._subnets = sorted(
            (prefix, {net: tuple(ids) for net, ids in index.items()}) for prefix, index in subnets.items()
        )
        self._complex_by_type: dict[str, list[_Complex]] = {}
        for entry in self._complex:
            for type_name in entry.types:
                self._complex_by_type.setdefault(type_name, []).append(entry)

    @property
    def fast_count(self) -> int:
        return len(self.indicators) - len(self._complex)

    @property
    def complex_count(self) -> int:
        return len(self._complex)

    @classmethod
    def for_actor(
        cls, session: Session, *, store: ObjectStore, actor: Actor, at: datetime | None = None
    ) -> IndicatorMatcher:
        """Every STIX-pattern indicator ``actor`` may see that is not revoked and is valid at ``at``."""
        return cls(active_indicators(session, store=store, actor=actor, at=at))

    def match(self, batch: ObservationBatch) -> MatchSet:
        result = MatchSet()
        pairs = result.pairs
        columns = batch.columns
        for key, index in self._equality.items():
            column = columns.get(key)
            if column is None:
                continue
            observations, values = column
            hits = list(map(index.get, values))  # the hot path: one dict probe per value, in C
            for observation, found in zip(observations, hits, strict=True):
                if found is not None:
                    for indicator in found:
                        pairs.add((observation, indicator))
        poisoned = self._match_subnets(columns.get(_IPV4_VALUE), pairs) if self._subnets else set()
        if poisoned:
            result.pairs = pairs = {(o, i) for o, i in pairs if not (o in poisoned and i in self._has_subnet)}
        if self._complex:
            self._match_complex(batch, result)
        return result

    def match_in_parts(self, batch: ObservationBatch, size: int, on_progress: Callable[[int], None]) -> MatchSet:
        """Like :meth:`match`, a part of ``size`` observations at a time, reporting each part done."""
        result = MatchSet()
        for start in range(0, len(batch), size):
            part = self.match(batch.part(start, start + size))
            result.pairs.update((o + start, i) for o, i in part.pairs)
            result.errors += part.errors
            result.fallback_runs += part.fallback_runs
            on_progress(min(size, len(batch) - start))
        return result

    def _match_subnets(self, column: tuple[list[int], list[str]] | None, pairs: set[tuple[int, int]]) -> set[int]:
        """Add CIDR matches; return the observations on which stix2-matcher's ISSUBSET test raises."""
        poisoned: set[int] = set()
        if column is None:
            return poisoned
        buckets = self._subnets
        for observation, value in zip(*column, strict=True):
            try:
                address, length = parse_ip_or_cidr(value)
            except (ValueError, OSError):
                poisoned.add(observation)
                continue
            for prefix, index in buckets:
                if prefix > length:
                    break
                found = index.get(address >> (32 - prefix))
                if found is not None:
                    for indicator in found:
                        pairs.add((observation, indicator))
        return poisoned

    def _match_complex(self, batch: ObservationBatch, result: MatchSet) -> None:
        by_type = self._complex_by_type
        for observation in range(len(batch)):
            candidates: dict[int, _Complex] = {}
            for obj in batch.objects[observation]:
                for entry in by_type.get(obj.get("type"), ()):  # type: ignore[arg-type]
                    candidates[entry.indicator] = entry
            if not candidates:
                continue
            bundle = batch.observed_data(observation)
            for entry in candidates.values():
                result.fallback_runs += 1
                try:
                    if entry.pattern.match([bundle]):
                        result.pairs.add((observation, entry.indicator))
                except Exception:  # stix2-matcher raises many kinds on odd data: no match
                    result.errors += 1


def active_indicators(
    session: Session, *, store: ObjectStore, actor: Actor, at: datetime | None = None
) -> list[ActiveIndicator]:
    """Indicators with STIX patterns that ``actor`` may see, not revoked, valid at ``at`` (default now)."""
    moment = at or datetime.now(UTC)
    found = (_active(row, moment) for row in store.iter_visible(session, actor=actor, types=["indicator"]))
    return [indicator for indicator in found if indicator is not None]


def _active(row: StixObject, moment: datetime) -> ActiveIndicator | None:
    if row.revoked:
        return None
    obj = row.as_stix()
    pattern = obj.get("pattern")
    if obj.get("pattern_type") != "stix" or not isinstance(pattern, str):
        return None
    try:
        if "valid_from" in obj and parse_timestamp(obj["valid_from"], where=row.id) > moment:
            return None
        if "valid_until" in obj and parse_timestamp(obj["valid_until"], where=row.id) <= moment:
            return None
        handling = row.marking()
    except InvalidInput:
        return None
    return ActiveIndicator(
        id=row.id,
        pattern=pattern,
        name=row.name or "",
        originator_nation=row.originator_nation,
        handling=handling,
    )


def indicators_from_patterns(patterns: Sequence[str], prefix: str = "indicator") -> list[ActiveIndicator]:
    """Bare indicators for benchmarks and tests: ids are ``<prefix>-<n>``."""
    return [ActiveIndicator(id=f"{prefix}-{n}", pattern=p) for n, p in enumerate(patterns)]
