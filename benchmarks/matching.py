"""Indicator matching: Mitra's IndicatorMatcher against an indexed peer (DuckDB) and stix2-matcher, in one run.

    .venv/bin/python benchmarks/matching.py [OBSERVATIONS] [PEER_SECONDS]

Equality sets of 1,000 and 100,000 indicators (IPv4 addresses, domains, SHA-256 hashes) are matched
against OBSERVATIONS generated observations (default 1,000,000; about 1 % hit), then a mixed set
(equalities, CIDR subnets and patterns only stix2-matcher answers) against OBSERVATIONS / 100.

Peers, each on the same observations:
- DuckDB, the same job with an index: the observations' (observable, value) rows hash-joined with the
  indicators' (observable, value) rows, each pattern read with a regular expression (the peer's own
  compile); CIDR subnets as a range join on the address as an integer; the patterns outside those
  shapes run through stix2-matcher on the observations holding an object type they name, as Mitra
  does. One DuckDB thread (Mitra matches on one core); two threads are reported beside it. Its match
  set must equal Mitra's on the whole input, and for the equality sets both must equal the pairs the
  generator planted (recall and precision on every observation, not a sample).
- stix2-matcher alone, as a user without an index: it evaluates one (pattern, observation) pair at a
  time, so it runs on sampled pairs (half Mitra's matches, half random) for about PEER_SECONDS
  (default 20) per set, in three parts; its rate against N indicators is its pair rate / N, and on every
  sampled pair it must agree with Mitra.
Mitra and DuckDB each run three times, alternating which goes first; the medians are the figures.
Reading observations into columns or tables is not timed, on either side.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import duckdb
import numpy as np
from stix2matcher.matcher import Pattern

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average, median
from mitra.pillars.intel.matching.engine import IndicatorMatcher, indicators_from_patterns
from mitra.pillars.intel.matching.observations import ObservationBatch

TIME = "2025-03-01T10:00:00.000Z"
KINDS = (("ipv4-addr", "value"), ("domain-name", "value"), ("file", "hashes.SHA-256"))
RUNS = 3


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


def observations(count: int, indicator_count: int, seed: int) -> tuple[ObservationBatch, set[tuple[int, int]]]:
    """``count`` single-object observations, about 1 % carrying the value of an equality indicator; and those pairs.

    The other values are no indicator's (other addresses, host numbers and hash inputs), so the pairs
    returned are every (observation, equality indicator) match there is.
    """
    planted: set[tuple[int, int]] = set()
    rng = random.Random(seed)
    kinds: list[int] = []
    values: list[str] = []
    columns: dict[tuple[str, str], tuple[list[int], list[str]]] = {key: ([], []) for key in KINDS}
    for n in range(count):
        if rng.random() < 0.01:
            target = rng.randrange(indicator_count)
            kind, value = target % 3, value_of(target % 3, target)
            planted.add((n, target))
        else:
            kind = n % 3
            value = value_of(kind, 10_000_000 + n) if kind != 0 else f"172.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        kinds.append(kind)
        values.append(value)
        column = columns[KINDS[kind]]
        column[0].append(n)
        column[1].append(value)
    batch = ObservationBatch(
        objects=LazyObjects(kinds, values), lines=list(range(1, count + 1)), times=[TIME] * count, columns=columns
    )
    return batch, planted


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


_EQUALITY = re.compile(r"^\[([a-z0-9-]+):(value|hashes\.'[A-Za-z0-9-]+') = '([^'\\]*)'\]$")
_SUBNET = re.compile(r"^\[ipv4-addr:value ISSUBSET '(\d+)\.(\d+)\.(\d+)\.(\d+)/(\d+)'\]$")


class DuckDBMatcher:
    """The peer with an index: indicators and observations as tables, matches as joins (plus stix2-matcher)."""

    def __init__(self, patterns: list[str], batch: ObservationBatch, threads: int) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {threads}")
        self.batch = batch
        started = time.perf_counter()
        equal: tuple[list[str], list[str], list[int]] = ([], [], [])
        subnet: tuple[list[int], list[int], list[int]] = ([], [], [])
        self.complex: list[tuple[int, Pattern, frozenset[str]]] = []
        for n, text in enumerate(patterns):
            if match := _EQUALITY.match(text):
                kind, prop, value = match.groups()
                equal[0].append(f"{kind}:{prop.replace(chr(39), '')}")
                equal[1].append(value)
                equal[2].append(n)
            elif match := _SUBNET.match(text):
                a, b, c, d, prefix = (int(g) for g in match.groups())
                low = ((a << 24) | (b << 16) | (c << 8) | d) & ~((1 << (32 - prefix)) - 1) & 0xFFFFFFFF
                subnet[0].append(low)
                subnet[1].append(low + (1 << (32 - prefix)) - 1)
                subnet[2].append(n)
            else:
                pattern = Pattern(text, "2.1")
                self.complex.append((n, pattern, frozenset(pattern.inspect().comparisons)))
        self.compile_seconds = time.perf_counter() - started
        self._table("ind", {"key": equal[0], "value": equal[1], "indicator": equal[2]})
        self._table("nets", {"low": subnet[0], "high": subnet[1], "indicator": subnet[2]})
        keys, values, numbers = [], [], []
        for (kind, prop), (observed, texts) in batch.columns.items():
            keys += [f"{kind}:{prop}"] * len(observed)
            values += texts
            numbers += observed
        self._table("obs", {"key": keys, "value": values, "observation": numbers})
        self.con.execute(
            """
            CREATE TABLE addr AS
            SELECT observation, (split_part(value, '.', 1)::BIGINT << 24) + (split_part(value, '.', 2)::BIGINT << 16)
                   + (split_part(value, '.', 3)::BIGINT << 8) + split_part(value, '.', 4)::BIGINT AS address
            FROM obs WHERE key = 'ipv4-addr:value' AND regexp_full_match(value, '\\d+\\.\\d+\\.\\d+\\.\\d+')
            """
        )
        self.has_subnets = bool(subnet[2])

    def _table(self, name: str, columns: dict[str, list[Any]]) -> None:
        arrays = {k: np.asarray(v, dtype=object if k in ("key", "value") else np.int64) for k, v in columns.items()}
        if not len(arrays["indicator" if "indicator" in arrays else "observation"]):
            arrays = {k: np.asarray(["x"] if k in ("key", "value") else [0]) for k in arrays}
            self.con.register("staged", arrays)
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM staged LIMIT 0")
        else:
            self.con.register("staged", arrays)
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM staged")
        self.con.unregister("staged")

    def match(self) -> set[tuple[int, int]]:
        pairs: set[tuple[int, int]] = set(
            self.con.execute(
                "SELECT o.observation, i.indicator FROM obs o JOIN ind i ON o.key = i.key AND o.value = i.value"
            ).fetchall()
        )
        if self.has_subnets:
            pairs.update(
                self.con.execute(
                    "SELECT a.observation, n.indicator FROM addr a JOIN nets n ON a.address BETWEEN n.low AND n.high"
                ).fetchall()
            )
        if self.complex:
            batch = self.batch
            for observation in range(len(batch)):
                types = {obj.get("type") for obj in batch.objects[observation]}
                bundle = None
                for indicator, pattern, named in self.complex:
                    if named.isdisjoint(types):
                        continue
                    bundle = bundle or batch.observed_data(observation)
                    try:
                        if pattern.match([bundle]):
                            pairs.add((observation, indicator))
                    except Exception:  # stix2-matcher raising is "no match", as for Mitra
                        continue
        return pairs


def _runs(samples: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in samples)


def run_set(
    name: str, patterns: list[str], batch: ObservationBatch, planted: set[tuple[int, int]] | None, peer_seconds: float
) -> dict[str, float]:
    started = time.perf_counter()
    matcher = IndicatorMatcher(indicators_from_patterns(patterns))
    compile_seconds = time.perf_counter() - started
    peers = {threads: DuckDBMatcher(patterns, batch, threads) for threads in (1, 2)}
    matcher.match(batch.part(0, min(len(batch), 10_000)))  # warm up
    mitra_runs: list[float] = []
    duck_runs: dict[int, list[float]] = {1: [], 2: []}
    result: set[tuple[int, int]] = set()
    duck_results: list[set[tuple[int, int]]] = []
    for run in range(RUNS):  # alternating, so neither side always runs on a warmer machine
        for side in ("mitra", "duckdb") if run % 2 == 0 else ("duckdb", "mitra"):
            if side == "mitra":
                started = time.perf_counter()
                result = matcher.match(batch).pairs
                mitra_runs.append(time.perf_counter() - started)
            else:
                for threads, peer in peers.items():
                    started = time.perf_counter()
                    duck_results.append(peer.match())
                    duck_runs[threads].append(time.perf_counter() - started)
    for duck in duck_results:  # the whole input: the same matches, every observation, every run
        assert duck == result, f"{name}: {len(duck - result)} matches only DuckDB, {len(result - duck)} only Mitra"
    if planted is not None:
        assert result == planted, (
            f"{name}: recall {len(result & planted)}/{len(planted)}, {len(result - planted)} matches not planted"
        )
    samples = [
        peer_sample(patterns, batch, result, peer_seconds / RUNS, seed=len(patterns) + run) for run in range(RUNS)
    ]
    pair_rate = median([s[0] for s in samples])
    checked, peer_matched = sum(s[1] for s in samples), sum(s[2] for s in samples)
    rate = len(batch) / median(mitra_runs)
    duck_rate = {threads: len(batch) / median(runs) for threads, runs in duck_runs.items()}
    stix_rate = pair_rate / len(patterns)
    print(
        f"{name}: {len(patterns):,} indicators ({matcher.complex_count} via stix2-matcher), compiled in "
        f"{compile_seconds:.2f} s; {len(batch):,} observations matched in {median(mitra_runs):.3f} s (runs "
        f"{_runs(mitra_runs)}) = {rate:,.0f} observations/s, {len(result):,} matches"
        + (", every one planted and every planted one found" if planted is not None else "")
    )
    print(
        f"  DuckDB join, 1 thread: {median(duck_runs[1]):.3f} s (runs {_runs(duck_runs[1])}) = {duck_rate[1]:,.0f} "
        f"observations/s, the same {len(result):,} matches; ratio {rate / duck_rate[1]:.2f}; patterns read in "
        f"{peers[1].compile_seconds:.2f} s"
    )
    print(
        f"  DuckDB join, 2 threads: {median(duck_runs[2]):.3f} s (runs {_runs(duck_runs[2])}) = "
        f"{duck_rate[2]:,.0f} observations/s; ratio {rate / duck_rate[2]:.2f}"
    )
    print(
        f"  stix2-matcher alone: {pair_rate:,.0f} pairs/s (median of {RUNS} parts, "
        f"{', '.join(f'{s[0]:,.0f}' for s in samples)}) on {checked:,} sampled pairs ({peer_matched:,} matches, "
        f"all agree) = {stix_rate:,.2f} observations/s against {len(patterns):,} indicators; "
        f"ratio {rate / stix_rate:,.0f}x"
    )
    for peer in peers.values():
        peer.con.close()
    return {"mitra": rate, "duckdb": duck_rate[1], "duckdb2": duck_rate[2], "stix2": stix_rate}


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
    load_start = load_average()
    print(f"load average at start {load_start}; median of {RUNS} runs each")
    rates: dict[str, dict[str, float]] = {}
    for size in (1_000, 100_000):
        batch, planted = observations(count, size, seed=size)
        rates[f"{size // 1000}k"] = run_set(f"equality {size:,}", equality_patterns(size), batch, planted, peer_seconds)
        del batch
    mixed_count = max(1_000, count // 100)
    patterns = mixed_patterns(10_000, random.Random(7))
    batch, _ = observations(mixed_count, 10_000, seed=3)
    rates["mixed"] = run_set("mixed", patterns, batch, None, peer_seconds / 2)
    load_end = load_average()
    print(f"load average at end {load_end}")
    loads = f"load_start={load_start} load_end={load_end}"
    big = rates["100k"]
    print(
        f"RESULT name=matching mitra={big['mitra']:.0f} peer={big['stix2']:.3f} "
        f"unit=observations_per_s_vs_100k_indicators ratio={big['mitra'] / big['stix2']:.0f} "
        f"peer_is=stix2-matcher {loads}"
    )
    for name, figures in rates.items():
        print(
            f"RESULT name=matching_{name}_vs_duckdb mitra={figures['mitra']:.0f} peer={figures['duckdb']:.0f} "
            f"unit=observations/s ratio={figures['mitra'] / figures['duckdb']:.2f} "
            f"peer_is=duckdb_hash_join_1_thread{'+stix2-matcher' if name == 'mixed' else ''} "
            f"ratio_2_threads={figures['mitra'] / figures['duckdb2']:.2f} {loads}"
        )


if __name__ == "__main__":
    main()
