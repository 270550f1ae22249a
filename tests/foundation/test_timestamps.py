"""Timestamps and dates: four-digit years, millisecond precision, UTC; parse and format agree; errors say where."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import (
    format_timestamp,
    parse_date,
    parse_day_or_timestamp,
    parse_form_time,
    parse_partial_date,
    parse_timestamp,
    timestamp_or_none,
)


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


# ----- the date parsers every pillar uses (foundation.timestamps) ----------------------------


def test_a_date_is_a_real_iso_date_and_a_wrong_one_names_its_field() -> None:
    assert parse_date("2025-01-07", where="date") == date(2025, 1, 7)
    assert parse_date(date(2025, 1, 7), where="date") == date(2025, 1, 7)
    for bad in ("7 January 2025", "2025-1-7", "2025-02-30", None, 20250107):
        with pytest.raises(InvalidInput, match=r"^due_date: "):
            parse_date(bad, where="due_date")


def test_a_partial_date_means_its_first_day() -> None:
    assert parse_partial_date("2015-11", where="announced") == date(2015, 11, 1)
    assert parse_partial_date("2015", where="announced") == date(2015, 1, 1)
    with pytest.raises(InvalidInput, match=r"^announced: "):
        parse_partial_date("2015-13", where="announced")


def test_a_query_bound_is_a_day_or_a_timestamp_and_blank_is_none() -> None:
    assert parse_day_or_timestamp("", where="since") is None
    assert parse_day_or_timestamp("2025-01-07", where="since") == datetime(2025, 1, 7, tzinfo=UTC)
    assert parse_day_or_timestamp("2025-01-07", where="until", end=True) == datetime(2025, 1, 7, 23, 59, 59, tzinfo=UTC)
    assert parse_day_or_timestamp("2025-01-07T09:30:00Z", where="since") == datetime(2025, 1, 7, 9, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput, match=r"^until: "):
        parse_day_or_timestamp("yesterday", where="until")


def test_a_forms_local_time_is_read_as_the_utc_the_form_says() -> None:
    assert parse_form_time("2025-09-14T02:00", where="occurred_at") == datetime(2025, 9, 14, 2, 0, tzinfo=UTC)
    assert parse_form_time("2025-09-14", where="occurred_at") == datetime(2025, 9, 14, tzinfo=UTC)
    with pytest.raises(InvalidInput, match=r"^occurred_at: "):
        parse_form_time("14/09/2025 02:00", where="occurred_at")


def test_a_partners_odd_time_is_none_never_a_crash() -> None:
    assert timestamp_or_none("2025-01-07T00:00:00Z", where="start") == datetime(2025, 1, 7, tzinfo=UTC)
    assert timestamp_or_none("not a time", where="start") is None
    assert timestamp_or_none(12, where="start") is None


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_what_is_written_reads_back_at_millisecond_precision(moment: datetime) -> None:
    expected = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse_day_or_timestamp(format_timestamp(moment), where="t") == expected
