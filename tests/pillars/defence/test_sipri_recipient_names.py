"""A SIPRI name that ends in a parenthesis keeps it: only a value wrapped whole in parentheses is an estimate."""

from __future__ import annotations

from mitra.pillars.defence.service import transfer_object
from mitra.pillars.defence.sipri import parse_row

_ROW = [
    "unknown recipient(s)",
    "India",
    "2022",
    "",
    "",
    "",
    "Bharat-52 155mm",
    "towed gun",
    "0",
    "",
    "",
    "New",
    "$156 m deal",
    "0",
    "0",
    "0",
]


def test_unknown_recipients_keep_their_closing_parenthesis() -> None:
    row = parse_row(list(_ROW), 2)
    assert row.recipient == "unknown recipient(s)"
    assert transfer_object(row, object_id="x-mitra-arms-transfer--1")["name"].startswith("unknown recipient(s) ← India")


def test_a_number_in_parentheses_is_still_an_estimate() -> None:
    cells = list(_ROW)
    cells[4] = "(12)"
    row = parse_row(cells, 2)
    assert row.number_ordered == 12
    assert row.number_ordered_uncertain
