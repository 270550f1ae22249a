"""Indicator matching: Mitra's IndicatorMatcher against stix2-matcher, in one run.

    .venv/bin/python benchmarks/matching.py [OBSERVATIONS] [PEER_SECONDS]

Equality sets of 1,000 and 100,000 indicators (IPv4 addresses, domains, SHA-256 hashes) are
matched against OBSERVATIONS generated observations (default 1,000,000; about 1 % hit), then a
mixed set (equalities, CIDR subnets and patterns only stix2-matcher answers) against a smaller
batch. stix2-matcher evaluates one (pattern, observation) pair at a time, so it runs on a sample
of pairs for about PEER_SECONDS (default 20) per set; its rate against N indicators is its pair
rate / N. On every sampled pair the two must agree, or the benchmark fails.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections.abc import Sequence
from typing import Any, overload

from stix2matcher.matcher import Pattern

from mitra.pillars.intel.matching.engine import IndicatorMatcher, indicators_from_patterns
from mitra.pillars.intel.matching.observations import ObservationBatch

TIME = "2025-03-01T10:00:00.000Z"
KINDS = (("ipv4-addr", "value"), ("domain-name", "value"), ("file", "hashes.SHA-256"))


def value_of(kind: int, n: int) -> str:
    if kind == 0:
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    if kind == 1:
        return f"host{n}.example"
    return hashlib.sha256(n.to_bytes(8, "big")).hexdigest()


def equality_patterns(count: int) -> list[str]:
    patterns = []
    for n in range(count):
        kind = n % 3
        if kind == 2:
            patterns.append(f"[file:hashes.'SHA-256' = '{value_of(2, n)}']")
        else:
            patterns.append(f"[{KINDS[kind][0]}:value = '{value_of(kind, n)}']")
    return patterns


class LazyObjects(Sequence[Sequence[dict[str, Any]]]):
    """The SCOs of generated observations, made only when asked for (the peer's sample)."""

    def __init__(self, kinds: list[int], values: list[str], start: int = 0, stop: int | None = None) -> None:
        self.kinds, self.values, self.start = kinds, values, start
        self.stop = len(kinds) if stop is None else stop

    def __len__(self) -> int:
        return self.stop - self.start

    @overload
    def __getitem__(self, index: int) -> Sequence[dict[str, Any]]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Sequence[dict[str, Any]]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, _ = index.indices(len(self))
            return LazyObjects(self.kinds, self.values, self.start + start, self.start + stop)
        n = self.start + index
        kind, value = self.kinds[n], self.values[n]
        identifier = f"{KINDS[kind][0]}--00000000-0000-4000-8000-{n % 10**12:012d}"
        if kind == 2:
            return [{"type": "file", "id": identifier, "hashes": {"SHA-256": value}}]
        return [{"type": KINDS[kind][0], "id": identifier, "value": value}]


def observations(count: int, indicator_count: int, seed: int) -> ObservationBatch:
    """``count`` single-object observations; about 1 % carry a value some indicator has."""
    rng = random.Random(seed)
    kinds: list[int] = []
    values: list[str] = []
    columns: dict[tuple[str, str], tuple[list[int], list[str]]] = {key: ([], []) for key in KINDS}
    for n in range(count):
        if rng.random() < 0.01:
            target = rng.randrange(indicator_count)
            kind, value = target % 3, value_of(target % 3, target)
        else:
            kind = n % 3
            value = value_of(kind, 10_000_000 + n) if kind != 0 else f"172.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        kinds.append(kind)
        values.append(value)
        column = columns[KINDS[kind]]
        column[0].append(n)
        column[1].append(value)
    return ObservationBatch(
        objects=LazyObjects(kinds, values), lines=list(range(1, count + 1)), times=[TIME] * count, columns=columns
    )


def peer_sample(
    patterns: list[str], batch: ObservationBatch, mitra_pairs: set[tuple[int, int]], seconds: float, seed: int
) -> tuple[float, int, int]:
    """stix2-matcher on sampled pairs for about ``seconds``: (pairs/s, pairs checked, matches); asserts agreement."""
    rng = random.Random(seed)
    hits = sorted(mitra_pairs)
    rng.shuffle(hits)
    compiled: dict[int, Pattern] = {}
    checked = matched = 0
    elapsed = 0.0
    while elapsed < seconds:
        # Half the sampled pairs are Mitra's matches, half random: both answers get checked.
        if hits and checked % 2 == 0:
            observation, indicator = hits[(checked // 2) % len(hits)]
        else:
            observation, indicator = rng.randrange(len(batch)), rng.randrange(len(patterns))
        bundle = batch.observed_data(observation)
        pattern = compiled.get(indicator)
        if pattern is None:  # compiled outside the timing: the peer is timed at its best, pattern reused
            pattern = compiled[indicator] = Pattern(patterns[indicator], "2.1")
        started = time.perf_counter()
        try:
            found = bool(pattern.match([bundle]))
        except Exception:  # stix2-matcher raising is "no match", as for Mitra
            found = False
        elapsed += time.perf_counter() - started
        checked += 1
        matched += found
        if found != ((observation, indicator) in mitra_pairs):
            raise SystemExit(f"MISMATCH on {patterns[indicator]!r} and observation {observation}: peer says {found}")
    return checked / elapsed, checked, matched


def run_set(name: str, patterns: list[str], batch: ObservationBatch, peer_seconds: float) -> tuple[float, float]:
    started = time.perf_counter()
    matcher = IndicatorMatcher(indicators_from_patterns(patterns))
    compile_seconds = time.perf_counter() - started
    matcher.match(batch.part(0, min(len(batch), 10_000)))  # warm up
    started = time.perf_counter()
    result = matcher.match(batch)
    seconds = time.perf_counter() - started
    rate = len(batch) / seconds
    peer_pairs, checked, peer_matched = peer_sample(patterns, batch, result.pairs, peer_seconds, seed=len(patterns))
    peer_rate = peer_pairs / len(patterns)
    print(
        f"{name}: {len(patterns):,} indicators ({matcher.complex_count} via stix2-matcher), "
        f"compiled in {compile_seconds:.2f} s; {len(batch):,} observations matched in {seconds:.3f} s "
        f"= {rate:,.0f} observations/s, {len(result.pairs):,} matches"
    )
    print(
        f"  stix2-matcher: {peer_pairs:,.0f} pairs/s on {checked:,} sampled pairs ({peer_matched:,} matches, all agree)"
        f" = {peer_rate:,.2f} observations/s against {len(patterns):,} indicators; ratio {rate / peer_rate:,.0f}x"
    )
    return rate, peer_rate


def mixed_patterns(count: int, rng: random.Random) -> list[str]:
    patterns = equality_patterns(count)
    for n in range(count // 50):
        patterns.append(f"[ipv4-addr:value ISSUBSET '10.{n % 256}.{rng.randrange(256)}.0/24']")
    patterns += [
        "[ipv4-addr:value = '10.0.0.1' AND ipv4-addr:value != '10.0.0.2']",
        "[domain-name:value LIKE 'host1%.example']",
        "[domain-name:value MATCHES '^host2[0-9]\\\\.example$']",
        "[ipv4-addr:value ISSUBSET '10.0.0.0/16'] REPEATS 2 TIMES",
        "[file:hashes.'SHA-256' = 'aa' OR file:hashes.'SHA-256' != 'bb']",
        "[domain-name:value = 'host3.example'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.3']",
        "[ipv4-addr:value NOT ISSUBSET '172.0.0.0/8']",
        "([domain-name:value = 'host4.example'] OR [domain-name:value = 'host7.example'])",
    ]
    return patterns


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    peer_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    rates: dict[str, tuple[float, float]] = {}
    for size in (1_000, 100_000):
        batch = observations(count, size, seed=size)
        rates[f"equality-{size}"] = run_set(f"equality {size:,}", equality_patterns(size), batch, peer_seconds)
        del batch
    mixed_count = max(1_000, count // 100)
    rng = random.Random(7)
    patterns = mixed_patterns(10_000, rng)
    rates["mixed"] = run_set("mixed", patterns, observations(mixed_count, 10_000, seed=3), peer_seconds / 2)
    mitra, peer = rates["equality-100000"]
    print(
        f"RESULT name=matching mitra={mitra:.0f} peer={peer:.3f} unit=observations_per_s_vs_100k_indicators "
        f"ratio={mitra / peer:.0f}"
    )


if __name__ == "__main__":
    main()
