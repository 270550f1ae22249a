"""STIX timestamps: four-digit years, millisecond precision, UTC; parse and format agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.timestamps import format_timestamp, parse_timestamp


def test_years_before_1000_keep_four_digits() -> None:
    assert format_timestamp(datetime(999, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)) == "0999-01-02T03:04:05.678Z"


def test_other_zones_are_written_in_utc() -> None:
    moment = datetime(2025, 1, 7, 10, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert format_timestamp(moment) == "2025-01-07T04:30:00.000Z"


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_format_then_parse_is_the_moment_to_the_millisecond(moment: datetime) -> None:
    text = format_timestamp(moment)
    assert len(text) == 24
    assert parse_timestamp(text, where="t") == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
