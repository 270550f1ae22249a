"""Canonical JSON is RFC 8785 (JCS): the RFC's own examples, and the ``rfc8785`` reference on any JSON value."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.foundation.canonical import canonical_json, legacy_canonical_json
from mitra.foundation.errors import InvalidInput

# RFC 8785 section 3.2.2, "Sample Input" and its canonical form.
RFC_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_OUTPUT = (
    r"""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"""
    r""""string":"€$\u000f\nA'B\"\\\\\"/"}"""
)

# RFC 8785 section 3.2.3: member names sort by UTF-16 code units (the emoji before U+FB33).
RFC_SORTING = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC_SORTED_VALUES = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]


def test_the_rfcs_sample_is_canonicalised_as_the_rfc_says() -> None:
    assert canonical_json(json.loads(RFC_INPUT)) == RFC_OUTPUT


def test_member_names_sort_by_utf16_code_units_as_the_rfc_says() -> None:
    text = canonical_json(json.loads(RFC_SORTING))
    assert list(json.loads(text).values()) == RFC_SORTED_VALUES
    assert legacy_canonical_json(json.loads(RFC_SORTING)) != text  # the old spelling sorted by code point


def test_numbers_are_spelled_as_ecmascript_does() -> None:
    assert canonical_json({"a": 1.0, "b": -0.0, "c": 1e21, "d": 5e-7}) == '{"a":1,"b":0,"c":1e+21,"d":5e-7}'
    assert legacy_canonical_json({"a": 1.0}) == '{"a":1.0}'


def test_a_large_integer_is_kept_where_its_double_has_the_same_digits() -> None:
    assert canonical_json({"n": 2**53}) == '{"n":9007199254740992}'
    assert canonical_json({"n": 36028797018963970}) == '{"n":36028797018963970}'  # JCS of 2**55 + 2
    assert canonical_json([float(2**70)]) == "[1.1805916207174113e+21]"


@pytest.mark.parametrize(
    "value", [{"n": 2**53 + 1}, {"n": -(2**60)}, {"n": 10**400}, {"x": float("nan")}, {"x": float("inf")}]
)
def test_what_jcs_cannot_spell_is_refused_saying_so(value: Any) -> None:
    with pytest.raises(InvalidInput, match="RFC 8785"):
        canonical_json(value)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.integers(min_value=-(2**63), max_value=2**63).map(float)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5), max_leaves=30
)


@given(_json)
@settings(max_examples=500, deadline=None)
def test_any_json_value_is_canonicalised_exactly_as_the_reference(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value).decode("utf-8")


@given(_json)
@settings(max_examples=200, deadline=None)
def test_canonical_text_reads_back_to_the_same_value_and_is_a_fixed_point(value: Any) -> None:
    text = canonical_json(value)
    assert canonical_json(json.loads(text)) == text
