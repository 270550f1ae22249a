"""The text-position parser: every ASAM record, the documented forms, and never a stray exception."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.pillars.maritime.positions import PositionParseError, parse_position
from tests.conftest import shared_file
from tests.pillars.maritime.conftest import ASAM

latitudes = st.floats(min_value=-89.99, max_value=89.99, allow_nan=False)
longitudes = st.floats(min_value=-179.99, max_value=179.99, allow_nan=False)


def _dms(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    total = round(abs(value) * 3600, 2)
    degrees, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{int(degrees)}°{int(minutes):02d}'{seconds:05.2f}\"{hemisphere}"


def _nga(value: float, positive: str, negative: str, width: int) -> str:
    hemisphere = positive if value >= 0 else negative
    minutes_total = round(abs(value) * 60, 1)
    degrees, minutes = divmod(minutes_total, 60)
    return f"{int(degrees):0{width}d}-{minutes:04.1f}{hemisphere}"


@given(latitudes, longitudes)
def test_degrees_minutes_seconds_on_two_lines_read_back_within_a_hundredth_second(lat: float, lon: float) -> None:
    parsed = parse_position(_dms(lat, "N", "S") + "\n" + _dms(lon, "E", "W"))
    assert parsed == pytest.approx((lat, lon), abs=0.01 / 3600 + 1e-6)


@given(latitudes, longitudes)
def test_nga_hyphenated_degree_minutes_read_back_within_a_tenth_minute(lat: float, lon: float) -> None:
    parsed = parse_position(f"{_nga(lat, 'N', 'S', 2)} {_nga(lon, 'E', 'W', 3)}")
    assert parsed == pytest.approx((lat, lon), abs=0.1 / 60 + 1e-6)


@given(latitudes, longitudes, st.sampled_from([" ", ", ", "\n", " / "]))
def test_decimal_degrees_with_hemispheres_or_signs_read_back(lat: float, lon: float, separator: str) -> None:
    with_hemispheres = f"{abs(lat):.5f}{'N' if lat >= 0 else 'S'}{separator}{abs(lon):.5f}{'E' if lon >= 0 else 'W'}"
    assert parse_position(with_hemispheres) == pytest.approx((lat, lon), abs=1e-5)
    assert parse_position(f"{lat:.5f}, {lon:.5f}") == pytest.approx((lat, lon), abs=1e-5)


@given(st.text(max_size=60))
def test_any_text_either_parses_into_range_or_raises_the_parse_error(text: str) -> None:
    try:
        lat, lon = parse_position(text)
    except PositionParseError:
        return
    assert -90 <= lat <= 90
    assert -180 <= lon <= 180


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13-18N 042-44E", (13.3, 42.733333)),
        ("1°14'N 103°55'E", (1.233333, 103.916667)),
        ("01-07.5N 103-31.2E", (1.125, 103.52)),
        ("N 1.2345 E 103.5", (1.2345, 103.5)),
        ("5°60'00\"S\n12°30'00\"E", (-6.0, 12.5)),
    ],
)
def test_documented_forms_give_known_values(text: str, expected: tuple[float, float]) -> None:
    assert parse_position(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty"),
        ("1.5N", "found 1"),
        ("1N 2N", "two latitudes"),
        ("91N 3E", "outside -90..90"),
        ("1°61'N 3E", "must not exceed 60"),
        ("1.5-30N 3E", "only the last number"),
        ("somewhere off Batam", "cannot read"),
    ],
)
def test_unreadable_positions_say_why(text: str, complaint: str) -> None:
    with pytest.raises(PositionParseError, match=complaint):
        parse_position(text)


def test_every_asam_record_has_a_position_that_parses() -> None:
    path = shared_file(ASAM)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8642
    parsed = [parse_position(row["position"]) for row in rows]
    assert len(parsed) == len(rows)
    assert all(-90 <= lat <= 90 and -180 <= lon <= 180 for lat, lon in parsed)
