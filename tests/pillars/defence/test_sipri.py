"""The SIPRI trade-register parser: the shipped extract, awkward CSV, bad rows by line, and properties."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.pillars.defence.sipri import COLUMNS, SipriFormatError, parse_row, parse_sipri
from tests.conftest import shared_file

EXTRACT = "economy/sipri_trade_register_india_malaysia.csv"
HEADER = ",".join(COLUMNS)
ORIGINAL_HEADER = (
    "Recipient,Supplier,Year of order, ,Number ordered, ,Weapon designation,Weapon description,"
    "Number delivered, ,Year(s) of delivery,status,Comments,SIPRI TIV per unit,SIPRI TIV for total order,"
    "SIPRI TIV of delivered weapons"
)


def _extract() -> str:
    return shared_file(EXTRACT).read_text(encoding="utf-8")


def test_the_extract_parses_every_row_without_problems() -> None:
    parsed = parse_sipri(_extract())
    assert parsed.problems == []
    assert len(parsed.rows) == 1176


def test_the_extract_holds_malaysias_2003_order_of_18_su30mk_delivered_2007_to_2009() -> None:
    rows = [r for r in parse_sipri(_extract()).rows if r.recipient == "Malaysia" and r.weapon_designation == "Su-30MK"]
    assert len(rows) == 1
    deal = rows[0]
    assert (deal.supplier, deal.year_of_order, deal.number_ordered, deal.number_delivered) == ("Russia", 2003, 18, 18)
    assert deal.years_of_delivery == (2007, 2008, 2009)
    assert deal.delivered_span == "2007–2009"
    assert "Su-30MKM" in deal.comments


def test_the_extract_has_no_india_to_malaysia_major_arms_transfer() -> None:
    parsed = parse_sipri(_extract())
    assert any(r.supplier == "India" for r in parsed.rows)  # the extract does hold Indian exports
    assert [r for r in parsed.rows if r.supplier == "India" and r.recipient == "Malaysia"] == []


def test_bom_quotes_question_marks_and_trailing_columns_are_read() -> None:
    text = (
        "\ufeff" + HEADER + ",,\r\n"
        'Malaysia,Russia,2003?,,(18),,Su-30MK,FGA aircraft,18,,"2007; 2008?; 2009",New,'
        '"$900 m deal, incl ""offsets""\nsecond line",55,990,990,,\r\n'
    )
    parsed = parse_sipri(text)
    assert parsed.problems == []
    (row,) = parsed.rows
    assert (row.year_of_order, row.number_ordered, row.years_of_delivery) == (2003, 18, (2007, 2008, 2009))
    assert (row.order_year_uncertain, row.number_ordered_uncertain, row.delivery_years_uncertain) == (True, True, True)
    assert row.comments == '$900 m deal, incl "offsets"\nsecond line'


def test_sipris_own_export_with_preamble_and_blank_uncertainty_headers_is_read() -> None:
    text = "Transfers of major conventional arms\nA '?' indicates uncertain data.\n\n" + ORIGINAL_HEADER + "\n"
    text += "India,Israel,2009,?,16,?,Heron,UAV,16,,2012; 2013,New,INR11.2 b deal,3,48,48\n"
    parsed = parse_sipri(text)
    assert parsed.preamble_lines == 3
    (row,) = parsed.rows
    assert (row.order_year_uncertain, row.number_ordered_uncertain, row.number_delivered_uncertain) == (
        True,
        True,
        False,
    )


def test_bad_rows_are_reported_by_line_and_good_ones_kept() -> None:
    text = "\n".join(
        [
            HEADER,
            "India,Israel,2009,,16,,Heron,UAV,16,,2012,New,,3,48,48",
            "India,Israel,20x9,,16,,Heron,UAV,16,,2012,New,,3,48,48",
            "India,Israel,2009,,16,,Heron,UAV",
            ",Israel,2009,,16,,Heron,UAV,16,,2012,New,,3,48,48",
            "India,Israel,2009,,many,,Heron,UAV,16,,2012,New,,3,48,48",
        ]
    )
    parsed = parse_sipri(text)
    assert len(parsed.rows) == 1
    assert [(p.line, p.message.split(" ")[0]) for p in parsed.problems] == [
        (3, "year"),
        (4, "8"),
        (5, "recipient"),
        (6, "number"),
    ]


def test_a_file_without_a_header_is_refused() -> None:
    with pytest.raises(SipriFormatError):
        parse_sipri("t,i,j,k,v,q\n2019,699,458,280530,1.0,2.0\n")


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_opt_int = st.one_of(st.none(), st.integers(0, 100_000))
_years = st.lists(st.integers(1950, 2030), max_size=5)


@settings(max_examples=150, deadline=None)
@given(
    recipient=_cell.filter(lambda s: s.strip("?() \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0") != ""),
    designation=_cell.filter(lambda s: s.strip() != ""),
    year=st.one_of(st.none(), st.integers(1950, 2030)),
    year_uncertain=st.booleans(),
    ordered=_opt_int,
    delivered=_opt_int,
    years=_years,
    comments=_cell,
    tiv=st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)),
)
def test_written_rows_read_back_the_same(
    recipient: str,
    designation: str,
    year: int | None,
    year_uncertain: bool,
    ordered: int | None,
    delivered: int | None,
    years: list[int],
    comments: str,
    tiv: float | None,
) -> None:
    cells = [
        recipient,
        "Russia",
        "" if year is None else str(year),
        "?" if year_uncertain else "",
        "" if ordered is None else str(ordered),
        "",
        designation,
        "aircraft",
        "" if delivered is None else str(delivered),
        "",
        "; ".join(str(y) for y in years),
        "New",
        comments,
        "" if tiv is None else repr(tiv),
        "",
        "",
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([list(COLUMNS), cells])
    parsed = parse_sipri(buffer.getvalue())
    assert parsed.problems == []
    (row,) = parsed.rows
    assert row.year_of_order == year
    assert row.order_year_uncertain == year_uncertain
    assert (row.number_ordered, row.number_delivered) == (ordered, delivered)
    assert row.years_of_delivery == tuple(sorted(set(years)))
    assert row.weapon_designation == designation.strip()
    assert row.comments == comments.strip()
    assert row.tiv_per_unit == tiv


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=16, max_size=19))
def test_any_row_is_read_or_refused_with_a_reason(cells: list[str]) -> None:
    try:
        row = parse_row(cells, 7)
    except ValueError as exc:
        reason = str(exc)
        assert reason != ""
    else:
        assert "" not in (row.recipient, row.supplier, row.weapon_designation)
        assert row.line == 7


def test_a_header_of_another_width_is_refused_naming_its_line() -> None:
    with pytest.raises(SipriFormatError, match="line 1: header has 3 columns"):
        parse_sipri("recipient,supplier,year_of_order\nMalaysia,Russia,2003\n")
