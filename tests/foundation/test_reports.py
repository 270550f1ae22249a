"""The one import report: every record ends in exactly one place, counts stay exact past the position cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.reports import MAX_POSITIONS, ImportReport

_FATES = st.sampled_from(["added", "updated", "unchanged", "duplicate", "reject", "note"])
_REASONS = st.sampled_from(["bad date", "unknown code", "same as line 3"])


def _apply(report: ImportReport, fates: list[tuple[str, str]], first: int) -> None:
    for offset, (fate, reason) in enumerate(fates):
        position = first + offset
        if fate == "note":  # a kept record worth knowing about: it was also stored
            report.note(reason, position)
            report.count("added")
        elif fate == "duplicate":
            report.duplicate(reason, position)
        elif fate == "reject":
            report.reject(reason, position)
        else:
            report.count(fate)  # type: ignore[arg-type]
        report.read += 1


@given(st.lists(st.tuples(_FATES, _REASONS), max_size=60), st.lists(st.tuples(_FATES, _REASONS), max_size=60))
def test_a_merged_report_is_the_report_of_both_parts(
    first: list[tuple[str, str]], second: list[tuple[str, str]]
) -> None:
    whole, a, b = ImportReport(), ImportReport(), ImportReport()
    _apply(whole, first + second, 1)
    _apply(a, first, 1)
    _apply(b, second, len(first) + 1)
    a.merge(b)
    assert a.as_dict() == whole.as_dict()
    assert whole.accounted == whole.read == len(first) + len(second)
    rejected = sum(1 for fate, _ in first + second if fate == "reject")
    assert whole.rejected_count == rejected
    listed = sorted(p for r in whole.rejected.values() for p in r.positions)
    expected = [i + 1 for i, (fate, _) in enumerate(first + second) if fate == "reject"]
    assert listed == expected


def test_counts_stay_exact_when_positions_are_capped() -> None:
    report = ImportReport(source="big.nmea")
    for line in range(1, MAX_POSITIONS + 501):
        report.reject("bad checksum", line)
    report.read = MAX_POSITIONS + 500
    assert report.reasons("rejected") == {"bad checksum": MAX_POSITIONS + 500}
    assert report.positions("rejected", "bad checksum") == list(range(1, MAX_POSITIONS + 1))
    assert report.lines()[1].endswith(f"and {MAX_POSITIONS + 480:,} more")
    assert report.accounted == report.read


def test_positions_of_another_unit_are_not_mixed_in() -> None:
    csv = ImportReport(source="list.csv", unit="line")
    csv.reject("not an IP address", 7)
    store = ImportReport(unit="object")
    store.reject("held from MYS; only the originator versions it", 3)
    csv.merge(store)
    assert csv.positions("rejected", "not an IP address") == [7]
    assert csv.positions("rejected", "held from MYS; only the originator versions it") == []
    assert csv.rejected_count == 2


def test_the_readable_report_names_each_reason_with_its_lines() -> None:
    report = ImportReport(source="asam.csv", read=3, added=1)
    report.reject("reference 2022-150: cannot read a coordinate", 4)
    report.duplicate("repeats line 2", 5)
    assert report.lines() == [
        "asam.csv: read 3, added 1, updated 0, unchanged 0, duplicates 1, rejected 1",
        "  rejected: reference 2022-150: cannot read a coordinate (1): line 4",
        "  duplicate: repeats line 2 (1): line 5",
    ]
