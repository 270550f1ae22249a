"""Parse the SIPRI Arms Transfers Database trade register (CSV) into typed rows, reporting bad rows by line.

Accepts SIPRI's own export (preamble lines, then ``Recipient,Supplier,Year of order, ,...`` with blank
uncertainty columns) and the snake_case header of the shared extract; a UTF-8 byte-order mark,
quoted fields with commas or line breaks, ``?`` marks (in their own column or after a value),
parenthesised estimates and trailing empty columns. A row that cannot be read is reported with its
line number and reason; nothing is dropped without a word.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field

COLUMNS = (
    "recipient",
    "supplier",
    "year_of_order",
    "order_year_uncertain",
    "number_ordered",
    "number_ordered_uncertain",
    "weapon_designation",
    "weapon_description",
    "number_delivered",
    "number_delivered_uncertain",
    "years_of_delivery",
    "status",
    "comments",
    "tiv_per_unit",
    "tiv_total_order",
    "tiv_delivered",
)
SOURCE = "SIPRI Arms Transfers Database (c) SIPRI"


@dataclass(frozen=True, slots=True)
class SipriRow:
    """One deal: who ordered what from whom, when, and what was delivered when."""

    line: int
    recipient: str
    supplier: str
    year_of_order: int | None
    order_year_uncertain: bool
    number_ordered: int | None
    number_ordered_uncertain: bool
    weapon_designation: str
    weapon_description: str
    number_delivered: int | None
    number_delivered_uncertain: bool
    years_of_delivery: tuple[int, ...]
    delivery_years_uncertain: bool
    status: str
    comments: str
    tiv_per_unit: float | None
    tiv_total_order: float | None
    tiv_delivered: float | None

    @property
    def key(self) -> str:
        """What identifies the deal across re-imports (not its line, which moves)."""
        return "|".join(
            [
                self.recipient,
                self.supplier,
                str(self.year_of_order),
                str(self.number_ordered),
                self.weapon_designation,
                self.weapon_description,
                self.comments,
            ]
        )

    @property
    def delivered_span(self) -> str:
        return delivery_span(self.years_of_delivery, uncertain=self.delivery_years_uncertain)


def delivery_span(years: tuple[int, ...], *, uncertain: bool) -> str:
    """The years a deal was delivered: '2007', '2007-2009' (an en dash), with '?' when uncertain."""
    if not years:
        return ""
    first, last = min(years), max(years)
    span = str(first) if first == last else f"{first}–{last}"
    return span + ("?" if uncertain else "")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class SipriParse:
    rows: list[SipriRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    preamble_lines: int = 0


class SipriFormatError(ValueError):
    """The file is not a SIPRI trade register at all (no header found)."""


_UNCERTAIN = re.compile(r"\?")
_YEAR = re.compile(r"^(\d{4})$")


def _clean(value: str) -> tuple[str, bool]:
    """Strip spaces, ``?`` marks and estimate parentheses; say whether the value was marked uncertain."""
    text = value.strip()
    uncertain = "?" in text or (text.startswith("(") and text.endswith(")"))
    text = _UNCERTAIN.sub("", text).strip()
    if text.startswith("(") and text.endswith(")"):  # an estimate in parentheses; "unknown recipient(s)" keeps its own
        text = text[1:-1].strip()
    return text, uncertain


def _int(value: str, name: str) -> tuple[int | None, bool]:
    text, uncertain = _clean(value)
    if text == "":
        return None, uncertain
    digits = text.replace(",", "").replace(" ", "")
    if not digits.isdigit():
        raise ValueError(f"{name} {value.strip()!r} is not a whole number")
    return int(digits), uncertain


def _year(value: str, name: str) -> tuple[int | None, bool]:
    text, uncertain = _clean(value)
    if text == "":
        return None, uncertain
    match = _YEAR.match(text)
    if match is None or not 1900 <= int(match.group(1)) <= 2100:
        raise ValueError(f"{name} {value.strip()!r} is not a year")
    return int(match.group(1)), uncertain


def _float(value: str, name: str) -> float | None:
    text, _ = _clean(value)
    if text == "":
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"{name} {value.strip()!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} {value.strip()!r} is not a non-negative number")
    return number


def _years(value: str) -> tuple[tuple[int, ...], bool]:
    """'2007; 2008; 2009', '2007-2009', '2015?' -> years and whether any was uncertain."""
    years: list[int] = []
    uncertain = False
    for part in re.split(r"[;,]", value):
        text, marked = _clean(part)
        uncertain = uncertain or marked
        if not text:
            continue
        span = re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", text)
        if span:
            first, last = int(span.group(1)), int(span.group(2))
            if last < first or last - first > 100:
                raise ValueError(f"years of delivery {value.strip()!r}: bad range")
            years.extend(range(first, last + 1))
            continue
        year, _ = _year(text, "year of delivery")
        assert year is not None
        years.append(year)
    return tuple(sorted(set(years))), uncertain


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().lstrip("\ufeff").lower() == "recipient"


def parse_row(cells: list[str], line: int) -> SipriRow:
    """One data row (cells in COLUMNS order); ValueError says what is wrong."""
    while len(cells) > len(COLUMNS) and cells[-1].strip() == "":
        cells = cells[:-1]
    if len(cells) != len(COLUMNS):
        raise ValueError(f"{len(cells)} columns, expected {len(COLUMNS)}")
    value = dict(zip(COLUMNS, cells, strict=True))
    recipient, _ = _clean(value["recipient"])
    supplier, _ = _clean(value["supplier"])
    designation = value["weapon_designation"].strip()
    if not recipient or not supplier:
        raise ValueError("recipient and supplier are required")
    if not designation:
        raise ValueError("weapon designation is required")
    year, year_marked = _year(value["year_of_order"], "year of order")
    ordered, ordered_marked = _int(value["number_ordered"], "number ordered")
    delivered, delivered_marked = _int(value["number_delivered"], "number delivered")
    years, years_marked = _years(value["years_of_delivery"])
    return SipriRow(
        line=line,
        recipient=recipient,
        supplier=supplier,
        year_of_order=year,
        order_year_uncertain=year_marked or "?" in value["order_year_uncertain"],
        number_ordered=ordered,
        number_ordered_uncertain=ordered_marked or "?" in value["number_ordered_uncertain"],
        weapon_designation=designation,
        weapon_description=value["weapon_description"].strip(),
        number_delivered=delivered,
        number_delivered_uncertain=delivered_marked or "?" in value["number_delivered_uncertain"],
        years_of_delivery=years,
        delivery_years_uncertain=years_marked,
        status=value["status"].strip(),
        comments=value["comments"].strip(),
        tiv_per_unit=_float(value["tiv_per_unit"], "TIV per unit"),
        tiv_total_order=_float(value["tiv_total_order"], "TIV of total order"),
        tiv_delivered=_float(value["tiv_delivered"], "TIV delivered"),
    )


def parse_sipri(text: str) -> SipriParse:
    """Every row of a trade register; bad rows land in ``problems`` with their line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    result = SipriParse()
    reader = csv.reader(io.StringIO(text, newline=""))
    header_seen = False
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(RowProblem(reader.line_num, f"unreadable CSV ({exc})"))
            previous_end = reader.line_num
            continue
        line = previous_end + 1
        previous_end = reader.line_num
        if not header_seen:
            if _is_header(cells):
                width = len(cells)
                while width > len(COLUMNS) and cells[width - 1].strip() == "":
                    width -= 1
                if width != len(COLUMNS):
                    raise SipriFormatError(f"line {line}: header has {width} columns, expected {len(COLUMNS)}")
                header_seen = True
            else:
                result.preamble_lines += 1
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank line between rows
        try:
            result.rows.append(parse_row(cells, line))
        except ValueError as exc:
            result.problems.append(RowProblem(line, str(exc)))
    if not header_seen:
        raise SipriFormatError("no header row starting with 'Recipient' found: not a SIPRI trade register")
    return result
