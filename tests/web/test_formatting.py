"""Numbers, dates and times as the pages show them (Babel), and nothing made up for what is missing."""

from datetime import UTC, datetime

from mitra.web import formatting


def test_times_are_utc_and_say_so_in_every_language() -> None:
    assert formatting.when("2026-12-07T14:22:50.123Z") == "7 Dec 2026, 14:22:50 UTC"
    assert formatting.when(datetime(2026, 12, 7, 20, 0, tzinfo=UTC)).endswith("UTC")
    assert formatting.when("2026-12-07T14:22:50Z", "ms").startswith("7 Dis 2026")
    assert "दिस" in formatting.when("2026-12-07T14:22:50Z", "hi")


def test_missing_values_read_as_missing_and_foreign_text_is_kept() -> None:
    assert formatting.when(None) == formatting.MISSING
    assert formatting.day("") == formatting.MISSING
    assert formatting.when("not a time") == "not a time"
    assert formatting.number(None) == formatting.MISSING


def test_years_are_not_grouped_but_counts_are() -> None:
    assert formatting.year(2012) == "2012"
    assert formatting.number(100895) == "100,895"
    assert formatting.number(100895, "hi") == "1,00,895"
    assert formatting.number(3.14159, digits=1) == "3.1"


def test_relative_age_both_ways() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert formatting.ago("2026-12-07T09:00:00Z", now=now) == "3 hours ago"
    assert formatting.ago("2026-12-09T12:00:00Z", now=now) == "in 2 days"


def test_column_names_read_as_words() -> None:
    assert formatting.human("first_seen") == "First seen"
    assert formatting.human("mmsi") == "MMSI"
    assert formatting.human("vessel_imo") == "Vessel IMO"
    assert formatting.human("x-mitra-progress-update") == "Progress update"
    assert formatting.human("attack-pattern") == "Attack pattern"
