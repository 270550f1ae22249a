"""The fast pattern check says yes only where ``stix2-patterns`` says yes, on generated and on real patterns."""

from __future__ import annotations

import glob
import json
from pathlib import Path
from typing import Any

import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from mitra.core.patterns import plainly_valid
from mitra.core.stix import TypeRegistry, validate_object
from tests.conftest import SHARED_DATA

_TYPES = st.sampled_from(["ipv4-addr", "domain-name", "url", "file", "email-addr", "network-traffic", "x-custom", "a"])
_NAMES = st.sampled_from(["value", "name", "hashes", "dst_port", "protocols", "size", "AND", "true", "x_y", "in"])
_QUOTED = st.sampled_from(["'SHA-256'", "'MD5'", "'SHA-1'", "'SSDEEP'", "'weird name'", "'x'"])
_STEPS = st.lists(
    st.one_of(
        _NAMES.map(lambda n: f".{n}"),
        _QUOTED.map(lambda q: f".{q}"),
        st.sampled_from(["[0]", "[*]", "[-1]", "[01]", "[12]"]),
    ),
    max_size=3,
)
_STRINGS = st.one_of(
    st.sampled_from(["'10.0.0.1'", "'d41d8cd98f00b204e9800998ecf8427e'", "'" + "a" * 64 + "'", "'it\\'s'", "'\\\\'"]),
    st.text(max_size=12).map(lambda t: "'" + t + "'"),
)
_VALUES = st.one_of(
    _STRINGS,
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["true", "false", "1.5", "t'2025-01-01T00:00:00Z'", "h'ff'", "b'AAAA'", "('a', 'b')", "00"]),
)
_OPS = st.sampled_from(["=", "!=", "<", ">", "<=", ">=", "LIKE", "MATCHES", "IN", "NOT =", "ISSUBSET", "=="])
_SPACE = st.sampled_from([" ", " ", " ", "", "  ", "\t"])


@st.composite
def _comparison(draw: st.DrawFn) -> str:
    path = f"{draw(_TYPES)}:{draw(_NAMES)}{''.join(draw(_STEPS))}"
    return f"{path}{draw(_SPACE)}{draw(_OPS)}{draw(_SPACE)}{draw(_VALUES)}"


@st.composite
def _observation(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_comparison(), min_size=1, max_size=3))
    joins = [draw(st.sampled_from([" AND ", " OR ", " and ", "AND", " FOLLOWEDBY "])) for _ in parts[1:]]
    inner = parts[0] + "".join(j + p for j, p in zip(joins, parts[1:], strict=True))
    qualifier = draw(st.sampled_from(["", "", "", " WITHIN 5 SECONDS", " REPEATS 2 TIMES"]))
    return f"[{inner}]{qualifier}"


@st.composite
def patterns(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_observation(), min_size=1, max_size=3))
    joins = [draw(st.sampled_from([" AND ", " OR ", " FOLLOWEDBY ", " ", " XOR "])) for _ in parts[1:]]
    text = parts[0] + "".join(j + p for j, p in zip(joins, parts[1:], strict=True))
    if draw(st.integers(0, 9)) == 0:  # a random cut or insertion: near misses of the plain shape
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["", "]", "[", "'", "(", " "])) + text[at + 1 :]
    return text


@settings(max_examples=1500, deadline=None)
@given(patterns())
def test_whatever_the_fast_check_accepts_stix2_patterns_accepts(pattern: str) -> None:
    if plainly_valid(pattern):
        assert run_validator(pattern, "2.1") == [], pattern


def _real_patterns() -> list[str]:
    found = []
    for path in sorted(glob.glob(str(SHARED_DATA / "intel" / "**" / "*.json"), recursive=True)):
        try:
            document: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        for obj in document.get("objects", []) if isinstance(document, dict) else []:
            if isinstance(obj, dict) and obj.get("type") == "indicator" and obj.get("pattern_type") == "stix":
                found.append(str(obj["pattern"]))
    return found


def test_on_the_shipped_stix_examples_the_fast_check_agrees_with_stix2_patterns() -> None:
    real = _real_patterns()
    if not real:
        pytest.skip("the shipped STIX examples are not beside the repository")
    accepted = [p for p in real if plainly_valid(p)]
    assert all(run_validator(p, "2.1") == [] for p in accepted)
    assert len(accepted) >= len(real) // 3, f"only {len(accepted)} of {len(real)} real patterns take the fast path"


@pytest.mark.parametrize(
    "pattern",
    [
        "[ipv4-addr:value = '45.83.64.7']",
        "[domain-name:value = 'login-portal.example']",
        "[url:value = 'http://45.83.64.7/a?b=c']",
        "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "[email-addr:value = 'ops@example.org'] OR [domain-name:value = 'example.org']",
        "[network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']",
    ],
)
def test_the_patterns_analysts_write_take_the_fast_path(pattern: str) -> None:
    assert plainly_valid(pattern)
    assert run_validator(pattern, "2.1") == []


@pytest.mark.parametrize(
    "pattern",
    [
        "[file:hashes.'SHA-256' = 'not-a-hash']",  # the library refuses: the fast check must not accept
        "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",  # a qualifier: left to the library
        "([ipv4-addr:value = '1.2.3.4'])",
        "[ipv4-addr:value = '1.2.3.4'",
    ],
)
def test_what_it_does_not_know_it_leaves_to_the_library(pattern: str) -> None:
    assert not plainly_valid(pattern)


def test_an_indicator_the_fast_path_accepts_is_one_stix2_accepts_and_a_bad_pattern_is_still_refused() -> None:
    base = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2025-01-07T00:00:00.000Z",
        "modified": "2025-01-07T00:00:00.000Z",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }
    good = base | {"pattern": "[ipv4-addr:value = '45.83.64.7']"}
    stix2.parse(good, allow_custom=True, version="2.1")
    assert validate_object(dict(good), TypeRegistry(), where="x") == good
    bad = base | {"pattern": "[file:hashes.'SHA-256' = 'nope']"}
    with pytest.raises(Exception, match="SHA-256"):
        validate_object(dict(bad), TypeRegistry(), where="x")
    early = good | {"valid_until": "2025-01-06T00:00:00Z"}
    with pytest.raises(Exception, match="valid_until"):
        validate_object(dict(early), TypeRegistry(), where="x")
