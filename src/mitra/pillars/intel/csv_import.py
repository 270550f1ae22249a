"""CSV and plain lists of indicators: ``type,value[,name,description,labels]`` or one value a line.

A header row (first cell ``type``) is optional. Types are Mitra kinds (``ipv4``, ``domain``,
``sha256``...), MISP types (``ip-dst``, ``hostname``...) or STIX type names. A plain list has
one value a line and its kind is recognised. Blank lines and lines starting with ``#`` are
skipped. Each indicator's id is derived from the node's nation, the kind and the value, so a
second import of the same list changes nothing.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from mitra.foundation.errors import InvalidInput
from mitra.pillars.intel.observables import ValueKind, guess_kind, kind_named, pattern_for

MAX_ROWS = 200_000
_NAMESPACE = uuid.UUID("3c1d9a57-2b8e-5f0c-8e4a-1f9d6b7c2a40")


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One good line of the list."""

    line: int
    kind: ValueKind
    value: str
    name: str
    description: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str
    duplicate: bool = False  # the line repeats an earlier one

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class CsvParse:
    rows: list[IndicatorRow] = field(default_factory=list)
    errors: list[BadLine] = field(default_factory=list)  # each bad line, in order


def _cells(text: str) -> list[tuple[int, list[str]]]:
    lines: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            lines.append((reader.line_num, cells))
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: not CSV: {exc}") from None
    return lines


def parse_indicator_list(text: str, *, max_rows: int = MAX_ROWS) -> CsvParse:
    """Parse the whole text; bad lines are listed with their number, good ones kept in order."""
    if "\x00" in text:
        raise InvalidInput("line 1: the file is binary (contains NUL bytes), not a CSV or a list")
    result = CsvParse()
    seen: dict[tuple[str, str], int] = {}
    for line, raw_cells in _cells(text):
        cells = [c.strip() for c in raw_cells]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if line == 1 and cells[0].lower() == "type":
            continue
        if len(result.rows) >= max_rows:
            raise InvalidInput(f"line {line}: more than {max_rows:,} indicators; split the file")
        if len(cells) == 1:
            value = cells[0]
            kind = guess_kind(value)
            if kind is None:
                result.errors.append(BadLine(line, f"{value[:60]!r} is not an IP, domain, URL, e-mail or hash"))
                continue
            name = description = ""
            labels: tuple[str, ...] = ()
        else:
            type_name, value = cells[0], cells[1]
            found = kind_named(type_name, value)
            if found is None:
                result.errors.append(BadLine(line, f"unknown indicator type {type_name[:40]!r}"))
                continue
            kind = found
            name = cells[2] if len(cells) > 2 else ""
            description = cells[3] if len(cells) > 3 else ""
            labels = tuple(x.strip() for x in cells[4].split(";") if x.strip()) if len(cells) > 4 else ()
        problem = kind.check(value)
        if problem is not None:
            result.errors.append(BadLine(line, problem))
            continue
        key = (kind.name, value.lower() if kind.hex_length else value)
        if key in seen:
            result.errors.append(BadLine(line, f"same {kind.name} as line {seen[key]}", duplicate=True))
            continue
        seen[key] = line
        result.rows.append(IndicatorRow(line, kind, value, name[:300], description, labels))
    return result


def indicator_id(nation: str, row: IndicatorRow) -> str:
    normal = row.value.lower() if row.kind.hex_length else row.value
    return f"indicator--{uuid.uuid5(_NAMESPACE, f'{nation}|{row.kind.name}|{normal}')}"


def indicators_from_rows(rows: list[IndicatorRow], *, nation: str, stamp: str) -> list[dict[str, Any]]:
    """STIX indicators for the rows; ``stamp`` is created/modified for ones not held yet."""
    objects: list[dict[str, Any]] = []
    for row in rows:
        obj: dict[str, Any] = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": indicator_id(nation, row),
            "created": stamp,
            "modified": stamp,
            "name": row.name or f"{row.kind.name}: {row.value}"[:300],
            "pattern": pattern_for(row.kind, row.value),
            "pattern_type": "stix",
            "valid_from": stamp,
        }
        if row.description:
            obj["description"] = row.description
        if row.labels:
            obj["labels"] = list(row.labels)
        objects.append(obj)
    return objects
