"""The matcher's match set equals stix2-matcher's, pair by pair, on generated indicators and observations."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2matcher.matcher import match

from mitra.pillars.intel.matching.engine import IndicatorMatcher, indicators_from_patterns
from mitra.pillars.intel.matching.observations import ObservationBatch
from mitra.pillars.intel.matching.patterns import parse_simple

IPV4 = ["10.0.0.1", "10.0.1.7", "10.200.3.4", "192.168.1.1", "10.1", "bad-ip", "10.0.0.0/24", "10.0.0.0/40", "8.8.8.8"]
IPV6 = ["2001:db8::1", "2001:DB8::1", "fe80::1"]
DOMAINS = ["a.example", "A.example", "o'brien.example", "back\\slash.example", "b.example"]
URLS = ["http://a.example/x", "http://a.example/x?y=1"]
EMAILS = ["x@a.example", "X@a.example"]
HASHES = {"MD5": ["d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427E"], "SHA-256": ["ab" * 32]}
CIDRS = ["10.0.0.0/8", "10.0.0.0/24", "10.0.1.0/24", "192.168.0.0/16", "10.0.0.1/32", "0.0.0.0/1"]
TIME = "2025-03-01T10:00:00.000Z"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _value_comparison(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["ipv4", "ipv6", "domain", "url", "email", "md5", "sha256", "cidr"]))
    if kind == "cidr":
        return f"ipv4-addr:value ISSUBSET '{draw(st.sampled_from(CIDRS))}'"
    if kind in ("md5", "sha256"):
        key = "MD5" if kind == "md5" else "SHA-256"
        path = draw(st.sampled_from([f"hashes.{key}", f"hashes.'{key}'"])) if key == "MD5" else "hashes.'SHA-256'"
        return f"file:{path} = {_quote(draw(st.sampled_from(HASHES[key])))}"
    type_name, pool = {
        "ipv4": ("ipv4-addr", IPV4),
        "ipv6": ("ipv6-addr", IPV6),
        "domain": ("domain-name", DOMAINS),
        "url": ("url", URLS),
        "email": ("email-addr", EMAILS),
    }[kind]
    return f"{type_name}:value = {_quote(draw(st.sampled_from(pool)))}"


@st.composite
def simple_patterns(draw: st.DrawFn) -> str:
    """Equalities, CIDR tests, ORs inside and between observation expressions."""
    observations = []
    for _ in range(draw(st.integers(1, 2))):
        tests = [_value_comparison(draw) for _ in range(draw(st.integers(1, 3)))]
        observations.append("[" + " OR ".join(tests) + "]")
    return " OR ".join(observations)


@st.composite
def complex_patterns(draw: st.DrawFn) -> str:
    """Patterns the fast path must leave to stix2-matcher."""
    a, b = _value_comparison(draw), _value_comparison(draw)
    domain = _quote(draw(st.sampled_from(DOMAINS)))
    return draw(
        st.sampled_from(
            [
                f"[{a} AND {b}]",
                f"[{a}] AND [{b}]",
                f"[{a}] FOLLOWEDBY [{b}]",
                f"[{a}] WITHIN 5 SECONDS",
                f"[{a}] REPEATS 2 TIMES",
                f"([{a}] OR [{b}])",
                f"[({a}) OR {b}]",
                f"[domain-name:value != {domain}]",
                "[domain-name:value LIKE '%.example']",
                "[domain-name:value MATCHES '^[ab]\\\\.']",
                "[network-traffic:src_ref.value = '10.0.0.1']",
                "[network-traffic:dst_port = 53]",
                "[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']",
                "[ipv4-addr:value IN ('10.0.0.1', '8.8.8.8')]",
                "[file:name = 'evil.exe']",
                f"[{a}] START t'2025-01-01T00:00:00Z' STOP t'2026-01-01T00:00:00Z'",
            ]
        )
    )


def _sco(draw: st.DrawFn, number: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file", "odd"]))
    identifier = f"{kind}--00000000-0000-4000-8000-{number:012d}"
    if kind == "file":
        key = draw(st.sampled_from(sorted(HASHES)))
        return {"type": "file", "id": identifier, "hashes": {key: draw(st.sampled_from(HASHES[key]))}}
    if kind == "odd":  # a value of the wrong JSON type: never equal, never raises
        return {"type": "ipv4-addr", "id": f"ipv4-addr--10000000-0000-4000-8000-{number:012d}", "value": 167772161}
    pool = {"ipv4-addr": IPV4, "ipv6-addr": IPV6, "domain-name": DOMAINS, "url": URLS, "email-addr": EMAILS}[kind]
    return {"type": kind, "id": identifier, "value": draw(st.sampled_from(pool))}


@st.composite
def observations(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    found = []
    number = 0
    for _ in range(draw(st.integers(1, 6))):
        objects = []
        for _ in range(draw(st.integers(1, 3))):
            number += 1
            objects.append(_sco(draw, number))
        if draw(st.booleans()):
            number += 1
            ips = [o for o in objects if o["type"] in ("ipv4-addr", "ipv6-addr")]
            traffic = {"type": "network-traffic", "id": f"network-traffic--00000000-0000-4000-8000-{number:012d}"}
            traffic |= {"dst_port": draw(st.sampled_from([53, 443])), "protocols": ["udp"]}
            if ips:
                traffic["src_ref"] = ips[0]["id"]
            objects.append(traffic)
        found.append(objects)
    return found


def _reference(patterns: list[str], batch: ObservationBatch) -> set[tuple[int, int]]:
    expected = set()
    for observation in range(len(batch)):
        for number, pattern in enumerate(patterns):
            try:
                matched = match(pattern, [batch.observed_data(observation)], stix_version="2.1")
            except Exception:  # stix2-matcher raising on an observation is "no match"
                matched = []
            if matched:
                expected.add((observation, number))
    return expected


def _batch(observed: list[list[dict[str, Any]]]) -> ObservationBatch:
    batch = ObservationBatch()
    for line, objects in enumerate(observed, start=1):
        batch.add(objects, line=line, time=TIME)
    return batch


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patterns=st.lists(st.one_of(simple_patterns(), simple_patterns(), complex_patterns()), min_size=1, max_size=8),
    observed=observations(),
)
def test_match_set_equals_stix2_matchers_on_generated_corpus(
    patterns: list[str], observed: list[list[dict[str, Any]]]
) -> None:
    batch = _batch(observed)
    matcher = IndicatorMatcher(indicators_from_patterns(patterns))
    assert matcher.match(batch).pairs == _reference(patterns, batch)


@settings(max_examples=40, deadline=None)
@given(pattern=simple_patterns())
def test_generated_simple_patterns_take_the_fast_path(pattern: str) -> None:
    assert parse_simple(pattern) is not None


@settings(max_examples=40, deadline=None)
@given(pattern=complex_patterns())
def test_generated_complex_patterns_fall_back(pattern: str) -> None:
    assert parse_simple(pattern) is None


def test_an_unreadable_ipv4_value_spoils_every_subset_test_as_in_stix2_matcher() -> None:
    patterns = ["[ipv4-addr:value ISSUBSET '10.0.0.0/8' OR domain-name:value = 'a.example']"]
    batch = _batch(
        [
            [
                {"type": "ipv4-addr", "id": "ipv4-addr--00000000-0000-4000-8000-000000000001", "value": "bad-ip"},
                {
                    "type": "domain-name",
                    "id": "domain-name--00000000-0000-4000-8000-000000000002",
                    "value": "a.example",
                },
            ]
        ]
    )
    assert _reference(patterns, batch) == set()
    assert IndicatorMatcher(indicators_from_patterns(patterns)).match(batch).pairs == set()


def test_an_unparsable_pattern_is_reported_not_matched() -> None:
    matcher = IndicatorMatcher(indicators_from_patterns(["[ipv4-addr:value = ", "[domain-name:value = 'a']"]))
    assert [i for i, _ in matcher.invalid] == ["indicator-0"]
    assert len(matcher.indicators) == 1


def test_matching_in_parts_gives_the_same_pairs() -> None:
    patterns = [
        "[domain-name:value = 'a.example']",
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[a:b = 'c' AND d:e = 'f']",
    ]
    observed = [
        [{"type": "domain-name", "id": f"domain-name--00000000-0000-4000-8000-{n:012d}", "value": "a.example"}]
        if n % 2
        else [{"type": "ipv4-addr", "id": f"ipv4-addr--00000000-0000-4000-8000-{n:012d}", "value": f"10.0.0.{n}"}]
        for n in range(25)
    ]
    batch = _batch(observed)
    matcher = IndicatorMatcher(indicators_from_patterns(patterns))
    seen: list[int] = []
    parted = matcher.match_in_parts(batch, 7, seen.append)
    assert parted.pairs == matcher.match(batch).pairs
    assert seen == [7, 7, 7, 4]
