"""Numeric cells of outside files: numbers, separators, NA, W, bounds and footnote markers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.pillars.economy.cells import Cell, CellError, CellKind, parse_cell, split_footnote

decorations = st.sampled_from(["", " ", "\ufeff", "\u00a0", "  \t"])


@given(st.integers(min_value=-(10**12), max_value=10**12), decorations, decorations)
def test_integers_parse_with_or_without_thousands_separators(value: int, before: str, after: str) -> None:
    for text in (str(value), f"{value:,}"):
        cell = parse_cell(before + text + after)
        assert cell.kind is CellKind.VALUE
        assert cell.value == value


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_decimals_round_trip(value: float) -> None:
    assert parse_cell(repr(value)).value == pytest.approx(value)


@given(st.text(max_size=30))
def test_any_text_is_parsed_or_refused_with_the_reason(text: str) -> None:
    outcome: Cell | CellError
    try:
        outcome = parse_cell(text)
    except CellError as exc:
        outcome = exc
    if isinstance(outcome, CellError):
        assert "not a number" in str(outcome) or "bound" in str(outcome)
    else:
        without_number = {CellKind.MISSING, CellKind.WITHHELD, CellKind.INCLUDED_ELSEWHERE}
        assert (outcome.value is None) == (outcome.kind in without_number)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_lower_bound_keeps_its_number(value: int) -> None:
    cell = parse_cell(f"    >{value:,}")
    assert cell.kind is CellKind.LOWER_BOUND
    assert cell.value == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("NA", CellKind.MISSING),
        ("", CellKind.MISSING),
        ("nan", CellKind.MISSING),
        ("W", CellKind.WITHHELD),
        ("Included in World total.", CellKind.INCLUDED_ELSEWHERE),
    ],
)
def test_markers_are_kinds_not_numbers(text: str, kind: CellKind) -> None:
    cell = parse_cell(text)
    assert cell.kind is kind
    assert cell.value is None


def test_a_footnote_marker_after_a_number_is_kept_apart() -> None:
    cell = parse_cell("6,100e")
    assert cell.value == 6100
    assert cell.footnote == "e"


def test_misgrouped_thousands_are_refused() -> None:
    with pytest.raises(CellError):
        parse_cell("1,00,000")


@given(st.sampled_from(["New Caledonia", "Other countries", "Korea, Republic of"]), st.integers(1, 99))
def test_a_footnote_number_is_split_from_a_row_label(name: str, mark: int) -> None:
    assert split_footnote(f"{name}{mark}") == (name, str(mark))
    assert split_footnote(name) == (name, "")
