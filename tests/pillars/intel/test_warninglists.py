"""Warninglists: each MISP list type, the shipped lists, and indicators' pattern values."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.errors import InvalidInput
from mitra.pillars.intel.warninglists import WarninglistIndex, load_warninglists, parse_warninglist
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def shipped() -> WarninglistIndex:
    return load_warninglists([shared_file("intel/misp-warninglists")])


def _names(index: WarninglistIndex, value: str) -> set[str]:
    return {hit.list_file for hit in index.check(value)}


def test_a_private_address_hits_rfc1918_through_its_cidr_block(shipped: WarninglistIndex) -> None:
    (hit,) = [h for h in shipped.check("172.20.1.9") if h.list_file == "rfc1918.json"]
    assert hit.entry == "172.16.0.0/12"


def test_a_public_resolver_hits_the_public_dns_list(shipped: WarninglistIndex) -> None:
    assert "public-dns-v4.json" in _names(shipped, "8.8.8.8")


def test_a_subdomain_of_a_top_site_hits_tranco_by_suffix(shipped: WarninglistIndex) -> None:
    assert "tranco10k.json" in _names(shipped, "mail.google.com")
    assert "tranco10k.json" in _names(shipped, "https://www.google.com/search?q=x")


def test_a_lookalike_of_a_top_site_does_not_hit(shipped: WarninglistIndex) -> None:
    assert "tranco10k.json" not in _names(shipped, "google.com.evil.example")
    assert "tranco10k.json" not in _names(shipped, "notgoogle.com")


def test_an_unlisted_address_hits_nothing(shipped: WarninglistIndex) -> None:
    assert shipped.check("185.220.101.7") == []


def test_the_empty_file_hash_hits_the_empty_hashes_list(shipped: WarninglistIndex) -> None:
    assert "empty-hashes.json" in _names(shipped, "D41D8CD98F00B204E9800998ECF8427E")


def test_substring_and_regex_lists_match_inside_values() -> None:
    index = WarninglistIndex(
        [
            parse_warninglist({"name": "sub", "type": "substring", "list": ["sinkhole"]}, where="sub.json"),
            parse_warninglist({"name": "re", "type": "regex", "list": [r"^test-\d+$"]}, where="re.json"),
        ]
    )
    assert _names(index, "a.SINKHOLE.example") == {"sub.json"}
    assert _names(index, "test-42") == {"re.json"}
    assert _names(index, "test-x") == set()


def test_every_equality_value_of_a_pattern_is_checked(shipped: WarninglistIndex) -> None:
    hits = shipped.check_pattern("[ipv4-addr:value = '10.0.0.1'] OR [domain-name:value = 'bit.ly']")
    assert {h.value for h in hits} == {"10.0.0.1", "bit.ly"}


def test_a_malformed_list_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"type": "cidr", "list": ["10.0.0.0/33"]}')
    with pytest.raises(InvalidInput, match=r"bad\.json: '10\.0\.0\.0/33' is not a CIDR block"):
        load_warninglists([tmp_path])


@given(value=st.text(max_size=60))
def test_checking_any_text_never_fails(value: str) -> None:
    index = WarninglistIndex(
        [
            parse_warninglist({"type": "cidr", "list": ["10.0.0.0/8", "2001:db8::/32"]}, where="c"),
            parse_warninglist({"type": "hostname", "list": ["example.com"]}, where="h"),
            parse_warninglist({"type": "string", "list": ["x"]}, where="s"),
        ]
    )
    assert all(hit.value == value for hit in index.check(value))
