"""Hypothesis strategies for the JSON Schemas Mitra's custom types publish (the subset ``core.typeschema`` writes).

``hypothesis-jsonschema`` would be the library for this, but its last release does not run with the Hypothesis
this project uses; the schemas are built from a handful of constructs, each generated here, and every value
drawn is checked against the schema by ``jsonschema`` (the reference), so a generator bug fails loudly.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import jsonschema
from hypothesis import strategies as st

from mitra.core import typeschema

_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    checker = jsonschema.Draft202012Validator(schema)
    return _strategy(schema).filter(checker.is_valid)


def _strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_strategy(s) for s in schema[key]])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1e9))
        high = schema.get("maximum", 1e9)
        return st.integers(int(low) + 1, int(high) - 1) | st.floats(
            low, high, allow_nan=False, allow_infinity=False, exclude_min="exclusiveMinimum" in schema
        )
    if kind == "string":
        return _string(schema)
    if kind == "array":
        return st.lists(
            _strategy(schema.get("items", {"type": "string"})),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 4), 4),
        )
    if kind == "object":
        return _object(schema)
    return st.none() | st.booleans() | st.integers() | st.text(_TEXT, max_size=10)


_DAYS = st.dates(date(1950, 1, 1), date(2100, 12, 31))
# Dates and times drawn as real ones most of the time: a pattern alone draws mostly impossible days.
_MEANINGFUL = {
    typeschema.DATE_PATTERN: _DAYS.map(date.isoformat),
    typeschema.PARTIAL_DATE_PATTERN: _DAYS.map(date.isoformat) | _DAYS.map(lambda d: d.isoformat()[:7]),
    typeschema.TIMESTAMP_PATTERN: st.datetimes(datetime(1950, 1, 1), datetime(2100, 1, 1)).map(
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}Z"
    ),
}


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    limit = schema.get("maxLength", 40)
    pattern = schema.get("pattern")
    if pattern in _MEANINGFUL:
        return (
            _MEANINGFUL[pattern] | _MEANINGFUL[pattern] | _MEANINGFUL[pattern] | st.from_regex(pattern, fullmatch=True)
        )
    if pattern is None:
        return st.text(_TEXT, max_size=min(limit, 40))
    if pattern.startswith("^") and pattern.endswith("$"):
        within = schema.get("maxLength", 10**6)
        return st.from_regex(re.compile(pattern), fullmatch=True).filter(lambda s: len(s) <= within)
    found = re.compile(pattern)
    return st.text(_TEXT, min_size=1, max_size=min(limit, 40)).filter(lambda s: found.search(s) is not None)


@st.composite
def _object(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    result: dict[str, Any] = {}
    for name, sub in properties.items():
        if name in required or draw(st.booleans()):
            result[name] = draw(_strategy(sub))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key in draw(st.lists(st.text(st.characters(codec="ascii", categories=("L",)), min_size=1, max_size=5))):
            result.setdefault(key, draw(_strategy(extra)))
    return result
