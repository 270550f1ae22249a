"""Cells of outside statistical files: numbers with thousands separators, NA, withheld (W), bounds, footnotes.

Every parser here either returns a typed :class:`Cell` or raises :class:`CellError` with the reason,
so an importer can report the line instead of dropping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class CellError(ValueError):
    """A cell is not a number nor one of the known markers; the message quotes it."""


class CellKind(StrEnum):
    VALUE = "value"
    MISSING = "missing"  # empty, NA, nan, --
    WITHHELD = "withheld"  # W: withheld to avoid disclosing company data
    LOWER_BOUND = "lower-bound"  # ">100,000,000"
    UPPER_BOUND = "upper-bound"  # "<0.5"
    INCLUDED_ELSEWHERE = "included-elsewhere"  # "Included in World total."


@dataclass(frozen=True)
class Cell:
    kind: CellKind
    value: float | None
    raw: str
    footnote: str = ""


_INVISIBLE = str.maketrans({"\ufeff": "", "\u00a0": " ", "\u200b": "", "\u2009": ""})
_MISSING = {"", "na", "n/a", "nan", "none", "null", "--", "-", "\u2014", "\u2013", "..", "xx"}
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d+)?$")
# a number followed by a footnote marker: "6,100e", "2 900 (e)", "43000*", "110¹"
_FOOTNOTE = re.compile(
    r"^(?P<number>.*?\d)\s*(?P<mark>\(?[a-zA-Z]\)?|[*\u2020\u2021]+|[\u00b9\u00b2\u00b3\u2070-\u2079]+)$"
)


def _as_single_bytes(text: str) -> bytes | None:
    """The bytes a UTF-8 file was shown as when read as Windows-1252 (Latin-1 for the five bytes it leaves
    undefined); None when a character could not have come from such a reading."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            out.append(ord(char))
    return bytes(out)


def repair_mis_decoded(text: str) -> str:
    """Text that was UTF-8 read as Windows-1252 somewhere upstream, read back as meant: "TÃ¼rkiye" → "Türkiye".

    Some published files (the BACI country table among them) carry names whose UTF-8 bytes were once decoded
    as Windows-1252 and written out again. Such text is valid UTF-8 once re-encoded, and plain text in any
    other script or accent practically never is ("Türkiye" itself re-encodes to ``T\xfcrkiye``, not UTF-8),
    so the repair changes only what was garbled; ASCII is returned untouched.
    """
    if text.isascii():
        return text
    raw = _as_single_bytes(text)
    if raw is None or raw.isascii():
        return text
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return text
    return fixed if fixed != text else text


def clean_text(raw: str) -> str:
    """Strip byte-order marks, no-break and zero-width spaces and surrounding blanks."""
    return " ".join(raw.translate(_INVISIBLE).split())


def parse_number_text(text: str) -> float:
    """A plain or thousands-grouped number ("1,700", "1 700", "-3.5e2"); CellError otherwise."""
    if _PLAIN.match(text):
        return float(text)
    if _GROUPED.match(text):
        return float(text.replace(",", ""))
    if _SPACE_GROUPED.match(text):
        return float(text.replace(" ", ""))
    raise CellError(f"{text!r} is not a number")


def parse_cell(raw: str) -> Cell:
    """One numeric cell of a statistics file, with the markers USGS and others use."""
    text = clean_text(raw)
    lowered = text.lower()
    if lowered in _MISSING:
        return Cell(CellKind.MISSING, None, raw)
    if text == "W":
        return Cell(CellKind.WITHHELD, None, raw)
    if lowered.startswith("included"):
        return Cell(CellKind.INCLUDED_ELSEWHERE, None, raw)
    if text[:1] in {">", "<"}:
        inner = parse_cell(text[1:])
        if inner.kind is not CellKind.VALUE:
            raise CellError(f"{raw.strip()!r}: a bound needs a number after {text[0]}")
        kind = CellKind.LOWER_BOUND if text[0] == ">" else CellKind.UPPER_BOUND
        return Cell(kind, inner.value, raw, inner.footnote)
    try:
        return Cell(CellKind.VALUE, parse_number_text(text), raw)
    except CellError:
        pass
    marked = _FOOTNOTE.match(text)
    if marked:
        try:
            value = parse_number_text(marked.group("number").strip())
        except CellError:
            pass
        else:
            return Cell(CellKind.VALUE, value, raw, marked.group("mark").strip("()"))
    raise CellError(f"{raw.strip()!r} is not a number, NA, W or a bound")


_TRAILING_FOOTNOTE = re.compile(r"^(?P<name>.*?[^\d\s])\s*(?P<mark>\d{1,2})$")


def split_footnote(raw: str) -> tuple[str, str]:
    """A row label and its trailing footnote number: "New Caledonia11" -> ("New Caledonia", "11")."""
    text = clean_text(raw)
    marked = _TRAILING_FOOTNOTE.match(text)
    if marked:
        return marked.group("name"), marked.group("mark")
    return text, ""
