"""The formats an incident CSV comes in: the presets (``asam``, ``imb``, ``recaap``) and mapping files.

A *mapping* (a JSON or TOML file, or a preset's built-in one) says which column gives each property of an
incident and how its values read: a category map, a ReCAAP severity map, the time format and zone, values
that mean "not given". Every key and its rules are in docs/maritime.md ("Importing incidents from any CSV").
Nothing is made up on the way: a row without a time or a position, a category the mapping does not map (and
no catch-all the mapping names), a severity it cannot read, is rejected with its line and the reason.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from mitra.core.stix import nation_object_id
from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.asam import ASAM
from mitra.pillars.maritime.incident_csv import IncidentFormat, Row
from mitra.pillars.maritime.incidents import category_from_words
from mitra.pillars.maritime.models import CATEGORIES, NOT_GRADED, SEVERITIES, IncidentInput
from mitra.pillars.maritime.positions import PositionParseError, parse_position
from mitra.pillars.maritime.types import MARITIME_INCIDENT

# The columns a mapping may name, each for one property of the incident (see docs/maritime.md).
COLUMN_KEYS = ("latitude", "longitude", "position", "vessel_name", "vessel_imo", "vessel_mmsi", "description")
MAPPING_KEYS = (
    "source",
    "id_prefix",
    "reference",
    "missing",
    "name",
    "category",
    "severity",
    "attempted",
    "occurred_at",
    *COLUMN_KEYS,
    "keep",
)
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_CAT = re.compile(r"^cat\s*([1-4])$")
_ID_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_PROPERTY = re.compile(r"^[a-z][a-z0-9_]{2,249}$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%X", "%c")
# Properties a kept column may not take: the incident's own, STIX's common ones, what the import sets.
_RESERVED = frozenset(
    {
        "type",
        "id",
        "spec_version",
        "created",
        "modified",
        "created_by_ref",
        "revoked",
        "labels",
        "confidence",
        "lang",
        "external_references",
        "object_marking_refs",
        "granular_markings",
        "extensions",
        "name",
        "category",
        "severity",
        "attempted",
        "occurred_at",
        "latitude",
        "longitude",
        "area",
        "vessel_name",
        "vessel_imo",
        "vessel_mmsi",
        "description",
        "source",
        "source_reference",
        "source_hash",
    }
)


def _normal(value: str) -> str:
    """A value as maps compare it: trimmed, inner white space single, case folded."""
    return " ".join(value.split()).casefold()


_Piece = tuple[str, str]  # ("text", text), ("column", name) or ("field", "@reference" / "@source")


@dataclass(frozen=True, slots=True)
class _Template:
    """A name template: text with ``{column}`` placeholders (``{@reference}``, ``{@source}`` for the record's
    reference and the source); a part in ``[...]`` is left out when a placeholder in it is empty."""

    parts: tuple[tuple[bool, tuple[_Piece, ...]], ...]  # (optional, pieces)

    def columns(self) -> list[str]:
        return [value for _, pieces in self.parts for kind, value in pieces if kind == "column"]


def _template(text: str, *, where: str) -> _Template:
    parts: list[tuple[bool, tuple[_Piece, ...]]] = []
    group: list[_Piece] | None = None
    for match in re.finditer(r"\{([^{}\[\]]*)\}|\[|\]|([^{}\[\]]+)|(.)", text):
        piece: _Piece | None = None
        if match.group(1) is not None:
            name = match.group(1).strip()
            if not name:
                raise InvalidInput(f"{where}: an empty placeholder {{}} at character {match.start() + 1}")
            if name.startswith("@") and name not in ("@reference", "@source"):
                raise InvalidInput(f"{where}: {{{name}}} is not {{@reference}} or {{@source}}")
            piece = ("field" if name.startswith("@") else "column", name)
        elif match.group(0) == "[":
            if group is not None:
                raise InvalidInput(f"{where}: '[' inside [...] at character {match.start() + 1}")
            group = []
        elif match.group(0) == "]":
            if group is None:
                raise InvalidInput(f"{where}: ']' without '[' at character {match.start() + 1}")
            parts.append((True, tuple(group)))
            group = None
        elif match.group(2) is not None:
            piece = ("text", match.group(2))
        else:
            raise InvalidInput(f"{where}: unmatched {match.group(0)!r} at character {match.start() + 1}")
        if piece is not None:
            if group is not None:
                group.append(piece)
            else:
                parts.append((False, (piece,)))
    if group is not None:
        raise InvalidInput(f"{where}: '[' is not closed")
    if not any(kind != "text" for _, pieces in parts for kind, _ in pieces):
        raise InvalidInput(f"{where}: the template names no column")
    return _Template(tuple(parts))


@dataclass(frozen=True, slots=True)
class _Category:
    column: str | None
    values: Mapping[str, str]  # normalised source value -> category
    keywords: tuple[str, ...]  # columns whose words decide (incidents.CATEGORY_WORDS), in order
    default: str | None  # the catch-all the mapping names, if any


@dataclass(frozen=True, slots=True)
class _Severity:
    column: str
    values: Mapping[str, str | None]  # normalised source value -> ReCAAP category, None = not graded


@dataclass(frozen=True, slots=True)
class _Attempted:
    column: str
    values: frozenset[str] | None  # normalised values that mean "attempted"; None: yes/no, true/false, 1/0


@dataclass(frozen=True, slots=True)
class _Time:
    column: str
    format: str | None  # strptime format; None: ISO 8601 date or date-time
    time_column: str | None
    time_format: str | None  # strptime format of the time column; None: ISO 8601 time (HH:MM[:SS])
    zone: tzinfo | None  # for times written without an offset


@dataclass(frozen=True)
class IncidentMapping:
    """A format read from a mapping (a file's, or a preset's): what each column means."""

    key: str
    title: str  # the source, as records name it ("ReCAAP ISC")
    id_prefix: str
    references: tuple[str, ...]
    missing: frozenset[str]
    name: _Template
    category: _Category
    occurred_at: _Time
    severity: _Severity | None = None
    attempted: _Attempted | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # COLUMN_KEYS -> column
    keep: Mapping[str, str] = field(default_factory=dict)  # property -> column

    def needed_columns(self) -> dict[str, str]:
        """Every column the mapping reads, with the first key that reads it."""
        named: list[tuple[str, str]] = [(c, "reference") for c in self.references]
        named += [(c, "name") for c in self.name.columns()]
        if self.category.column:
            named.append((self.category.column, "category"))
        named += [(c, "category.keywords") for c in self.category.keywords]
        named.append((self.occurred_at.column, "occurred_at"))
        if self.occurred_at.time_column:
            named.append((self.occurred_at.time_column, "occurred_at.time_column"))
        if self.severity:
            named.append((self.severity.column, "severity"))
        if self.attempted:
            named.append((self.attempted.column, "attempted"))
        named += [(column, key) for key, column in self.columns.items()]
        named += [(column, f"keep.{prop}") for prop, column in self.keep.items()]
        needed: dict[str, str] = {}
        for column, key in named:
            needed.setdefault(column, key)
        return needed

    def check_header(self, header: Sequence[str]) -> None:
        lacking = [(c, key) for c, key in self.needed_columns().items() if c not in header]
        if lacking:
            listed = ", ".join(f"{c!r} ({key})" for c, key in lacking)
            raise InvalidInput(f"not a {self.title} file for this mapping; the header lacks {listed}")

    def reference(self, row: Row) -> str:
        values = [row.get(c, "").strip() for c in self.references]
        if not any(v and _normal(v) not in self.missing for v in values):
            raise InvalidInput(f"no reference (column {' / '.join(map(repr, self.references))} is empty)")
        return " | ".join(values)

    def object_id(self, nation: str, reference: str) -> str:
        return nation_object_id(nation, MARITIME_INCIDENT.name, f"{self.id_prefix}:{reference}")

    def incident(self, row: Row, reference: str) -> tuple[IncidentInput, Sequence[str]]:
        cells = _Cells(row, self.missing)
        category = self._category(cells)
        occurred = self._occurred(cells)
        latitude, longitude = self._position(cells)
        severity = self._severity(cells)
        attempted = self._attempted(cells)
        extra: dict[str, Any] = {"source": self.title, "source_reference": reference}
        if len(self.references) == 1:  # a record's own identifier, which the source's users know it by
            extra["external_references"] = [{"source_name": self.title, "external_id": reference}]
        for prop, column in self.keep.items():
            value = cells.get(column)
            if value is not None:
                extra[prop] = value
        imo = cells.get(self.columns.get("vessel_imo"))
        incident = IncidentInput(
            name=self._name(cells, reference),
            category=category,
            occurred_at=occurred,
            latitude=latitude,
            longitude=longitude,
            severity=severity,
            attempted=attempted,
            vessel_name=cells.get(self.columns.get("vessel_name")),
            vessel_imo=re.sub(r"(?i)^imo\s*", "", imo) if imo else None,
            vessel_mmsi=cells.get(self.columns.get("vessel_mmsi")),
            description=cells.get(self.columns.get("description")) or "",
            extra=extra,
        )
        return incident, cells.notes

    def _name(self, cells: _Cells, reference: str) -> str:
        fields = {"@reference": reference, "@source": self.title}
        out: list[str] = []
        for optional, pieces in self.name.parts:
            rendered: list[str] = []
            for kind, value in pieces:
                text = value if kind == "text" else fields[value] if kind == "field" else cells.get(value)
                if text is None:
                    if not optional:
                        raise InvalidInput(f"name: column {value!r} is empty")
                    rendered = []
                    break
                rendered.append(text)
            out += rendered
        return " ".join("".join(out).split())

    def _category(self, cells: _Cells) -> str:
        rule = self.category
        value = cells.get(rule.column)
        if value is not None and _normal(value) in rule.values:
            return rule.values[_normal(value)]
        if rule.keywords:
            found = category_from_words([cells.get(c) or "" for c in rule.keywords])
            if found is not None:
                return found
        if rule.default is not None:
            return rule.default
        if rule.column is None:
            raise InvalidInput(f"category: no rule word in {', '.join(map(repr, rule.keywords))} and no default")
        if value is None:
            raise InvalidInput(f"category: column {rule.column!r} is empty and the mapping names no default")
        if not rule.values and not rule.keywords and _normal(value) in CATEGORIES:
            return _normal(value)
        raise InvalidInput(f"category: {value!r} (column {rule.column!r}) is not in the mapping's category map")

    def _occurred(self, cells: _Cells) -> datetime:
        rule = self.occurred_at
        text = cells.get(rule.column)
        if text is None:
            raise InvalidInput(f"occurred_at: no time (column {rule.column!r} is empty)")
        has_time = True
        if rule.format is not None:
            try:
                value = datetime.strptime(text, rule.format)
            except ValueError:
                raise InvalidInput(
                    f"occurred_at: {text!r} (column {rule.column!r}) does not match {rule.format!r}"
                ) from None
            has_time = any(d in rule.format for d in _TIME_DIRECTIVES)
        else:
            try:
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    value, has_time = datetime.combine(date.fromisoformat(text), time()), False
                else:
                    value = datetime.fromisoformat(text)
            except ValueError:
                raise InvalidInput(
                    f"occurred_at: {text!r} (column {rule.column!r}) is not an ISO 8601 date or time"
                ) from None
        if rule.time_column is not None:
            if has_time:
                raise InvalidInput("occurred_at: the date column has a time already; time_column is for a date only")
            clock = cells.get(rule.time_column)
            if clock is None:
                cells.notes.append(
                    f"occurred_at: column {rule.time_column!r} gives no time of day; stored as the day's start"
                )
            else:
                value, has_time = datetime.combine(value.date(), _clock(clock, rule)), True
        if value.tzinfo is None:
            if rule.zone is not None:
                value = value.replace(tzinfo=rule.zone)
            elif has_time:
                raise InvalidInput(f"occurred_at: {text!r} has no UTC offset and the mapping gives no timezone")
            else:
                value = value.replace(tzinfo=UTC)  # a day: its start in UTC, as NGA ASAM's days are read
        return value.astimezone(UTC)

    def _position(self, cells: _Cells) -> tuple[float, float]:
        if "position" in self.columns:
            column = self.columns["position"]
            text = cells.get(column)
            if text is None:
                raise InvalidInput(f"position: column {column!r} is empty")
            try:
                return parse_position(text)
            except PositionParseError as exc:
                raise InvalidInput(f"position: {exc}") from None
        return (
            _degrees(cells, self.columns["latitude"], "latitude"),
            _degrees(cells, self.columns["longitude"], "longitude"),
        )

    def _severity(self, cells: _Cells) -> str | None:
        if self.severity is None:
            return None
        value = cells.get(self.severity.column)
        if value is None:
            return None  # not graded
        normal = _normal(value)
        if normal in self.severity.values:
            return self.severity.values[normal]
        match = _CAT.match(normal)
        if match is None:
            raise InvalidInput(
                f"severity: {value!r} (column {self.severity.column!r}) is not a ReCAAP category (CAT 1-4) "
                "and not in the mapping's severity map"
            )
        return f"CAT {match.group(1)}"

    def _attempted(self, cells: _Cells) -> bool:
        if self.attempted is None:
            return False
        value = cells.get(self.attempted.column)
        if value is None:
            return False  # not said to be attempted
        normal = _normal(value)
        if self.attempted.values is not None:
            return normal in self.attempted.values
        if normal in _TRUE or normal in _FALSE:
            return normal in _TRUE
        raise InvalidInput(f"attempted: {value!r} (column {self.attempted.column!r}) is not yes/no, true/false or 1/0")


class _Cells:
    """A row's cells as the mapping reads them: trimmed, a "not given" value as None (and noted once)."""

    def __init__(self, row: Row, missing: frozenset[str]) -> None:
        self.row = row
        self.missing = missing
        self.notes: list[str] = []

    def get(self, column: str | None) -> str | None:
        if column is None:
            return None
        value = self.row.get(column, "").strip()
        if not value:
            return None
        if _normal(value) in self.missing:
            note = f"column {column!r}: {value!r} read as not given"
            if note not in self.notes:
                self.notes.append(note)
            return None
        return value


def _degrees(cells: _Cells, column: str, name: str) -> float:
    text = cells.get(column)
    if text is None:
        raise InvalidInput(f"{name}: no position (column {column!r} is empty)")
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} (column {column!r}) is not a number of decimal degrees") from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name}: {text!r} (column {column!r}) is not a number of decimal degrees")
    return value


def _clock(text: str, rule: _Time) -> time:
    try:
        if rule.time_format is not None:
            return datetime.strptime(text, rule.time_format).time()
        return time.fromisoformat(text)
    except ValueError:
        wanted = repr(rule.time_format) if rule.time_format else "an ISO 8601 time (HH:MM)"
        raise InvalidInput(
            f"occurred_at: time {text!r} (column {rule.time_column!r}) does not match {wanted}"
        ) from None


# ----- reading a mapping -------------------------------------------------------------------------------


def load_mapping(path: Path) -> IncidentMapping:
    """A mapping file (``.json`` or ``.toml``); InvalidInput saying what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the mapping ({exc})") from None
    suffix = path.suffix.lower()
    data: Any
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path} line {exc.lineno} column {exc.colno}: not JSON ({exc.msg})") from None
    elif suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{path}: not TOML ({exc})") from None
    else:
        raise InvalidInput(f"{path}: a mapping file ends in .json or .toml")
    return mapping_from(data, where=str(path))


def mapping_from(data: Any, *, where: str, key: str = "mapping") -> IncidentMapping:
    """A mapping from its parsed document; every error names the file and the key (``category.map``)."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: a mapping is a table of keys (JSON object), not {type(data).__name__}")
    unknown = sorted(set(data) - set(MAPPING_KEYS))
    if unknown:
        raise InvalidInput(
            f"{where}: unknown key {', '.join(map(repr, unknown))} (the keys: {', '.join(MAPPING_KEYS)})"
        )
    for required in ("source", "reference", "category", "occurred_at"):
        if required not in data:
            raise InvalidInput(f"{where}: {required}: missing (a mapping names its source, reference, category, time)")
    source = _text(data["source"], f"{where}: source")
    id_prefix = _text(
        data.get("id_prefix", re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")), f"{where}: id_prefix"
    )
    if not _ID_PREFIX.match(id_prefix):
        raise InvalidInput(f"{where}: id_prefix: {id_prefix!r} is not lower-case letters, digits and '-' (at most 40)")
    references = _columns(data["reference"], f"{where}: reference")
    missing = frozenset(_normal(v) for v in _strings(data.get("missing", []), f"{where}: missing")) | {""}
    columns = {k: _text(data[k], f"{where}: {k}") for k in COLUMN_KEYS if k in data}
    if "position" in columns and ({"latitude", "longitude"} & set(columns)):
        raise InvalidInput(f"{where}: position: give either position or latitude and longitude, not both")
    if "position" not in columns and not {"latitude", "longitude"} <= set(columns):
        raise InvalidInput(f"{where}: latitude, longitude: missing (or give one position column)")
    category = _category(data["category"], f"{where}: category")
    keep = data.get("keep", {})
    if not isinstance(keep, dict):
        raise InvalidInput(f"{where}: keep: a table of property = column, not {type(keep).__name__}")
    for prop in keep:
        if not _PROPERTY.match(prop) or prop in _RESERVED:
            raise InvalidInput(
                f"{where}: keep.{prop}: not a free property name (lower-case letters, digits, '_'; "
                "not one the incident sets itself)"
            )
    name_value = data.get("name")
    if name_value is None:
        default = "{@source} {@reference}"
        if category.column:
            default += f"[: {{{category.column}}}]"
        if "vessel_name" in columns:
            default += f"[ - {{{columns['vessel_name']}}}]"
        name = _template(default, where=f"{where}: name")
    elif isinstance(name_value, str):
        name = _Template(((False, (("column", _text(name_value, f"{where}: name")),)),))
    elif isinstance(name_value, dict) and set(name_value) == {"template"}:
        name = _template(_text(name_value["template"], f"{where}: name.template"), where=f"{where}: name.template")
    else:
        raise InvalidInput(f'{where}: name: a column name, or {{template = "..."}}')
    return IncidentMapping(
        key=key,
        title=source,
        id_prefix=id_prefix,
        references=references,
        missing=missing,
        name=name,
        category=category,
        occurred_at=_time_rule(data["occurred_at"], f"{where}: occurred_at"),
        severity=_severity_rule(data["severity"], f"{where}: severity") if "severity" in data else None,
        attempted=_attempted_rule(data["attempted"], f"{where}: attempted") if "attempted" in data else None,
        columns=columns,
        keep={prop: _text(column, f"{where}: keep.{prop}") for prop, column in keep.items()},
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: must be text (a column name or value), not {value!r}")
    return value.strip()


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{where}: must be a list of text values, not {value!r}")
    return list(value)


def _columns(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_text(value, where),)
    names = _strings(value, where)
    if not names:
        raise InvalidInput(f"{where}: name at least one column")
    return tuple(_text(v, where) for v in names)


def _table(value: Any, allowed: set[str], required: set[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: a column name or a table with {', '.join(sorted(allowed))}, not {value!r}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidInput(
            f"{where}: unknown key {', '.join(map(repr, unknown))} (the keys: {', '.join(sorted(allowed))})"
        )
    lacking = sorted(required - set(value))
    if lacking:
        raise InvalidInput(f"{where}: {', '.join(lacking)}: missing")
    return value


def _value_map(value: Any, where: str, read: Any) -> dict[str, Any]:
    """A map of source values (compared trimmed and case-insensitively) to what ``read`` makes of its values."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: a table of source value = value, not {value!r}")
    out: dict[str, Any] = {}
    for source_value, target in value.items():
        normal = _normal(source_value)
        if normal in out:
            raise InvalidInput(f"{where}: {source_value!r} is given twice (values are compared without case)")
        out[normal] = read(target, f"{where}.{source_value!r}")
    return out


def _one_category(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in CATEGORIES:
        raise InvalidInput(f"{where}: {value!r} is not a category (one of {', '.join(CATEGORIES)})")
    return value


def _category(value: Any, where: str) -> _Category:
    if isinstance(value, str):  # the column holds category names themselves
        return _Category(_text(value, where), {}, (), None)
    table = _table(value, {"column", "map", "keywords", "default"}, set(), where)
    column = _text(table["column"], f"{where}.column") if "column" in table else None
    values = _value_map(table.get("map", {}), f"{where}.map", _one_category)
    keywords = _columns(table["keywords"], f"{where}.keywords") if "keywords" in table else ()
    default = _one_category(table["default"], f"{where}.default") if "default" in table else None
    if values and column is None:
        raise InvalidInput(f"{where}: map: the map needs the column whose values it maps")
    if column is None and not keywords and default is None:
        raise InvalidInput(f"{where}: name a column (with a map), keywords or a default")
    return _Category(column, values, keywords, default)


def _one_severity(value: Any, where: str) -> str | None:
    if value is None or value == NOT_GRADED:
        return None
    if not isinstance(value, str) or value not in SEVERITIES:
        raise InvalidInput(f"{where}: {value!r} is not a ReCAAP category ({', '.join(SEVERITIES)}) or {NOT_GRADED!r}")
    return value


def _severity_rule(value: Any, where: str) -> _Severity:
    if isinstance(value, str):
        return _Severity(_text(value, where), {})
    table = _table(value, {"column", "map"}, {"column"}, where)
    return _Severity(
        _text(table["column"], f"{where}.column"), _value_map(table.get("map", {}), f"{where}.map", _one_severity)
    )


def _attempted_rule(value: Any, where: str) -> _Attempted:
    if isinstance(value, str):
        return _Attempted(_text(value, where), None)
    table = _table(value, {"column", "values"}, {"column", "values"}, where)
    values = frozenset(_normal(v) for v in _strings(table["values"], f"{where}.values"))
    return _Attempted(_text(table["column"], f"{where}.column"), values)


def _zone(value: Any, where: str) -> tzinfo:
    text = _text(value, where)
    if text.upper() in ("UTC", "Z", "GMT"):
        return UTC
    match = _OFFSET.match(text)
    if match is None:
        raise InvalidInput(f"{where}: {text!r} is not UTC or an offset like +08:00")
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if offset >= timedelta(hours=24):
        raise InvalidInput(f"{where}: {text!r} is not an offset under 24 hours")
    return timezone(-offset if sign == "-" else offset)


def _time_rule(value: Any, where: str) -> _Time:
    if isinstance(value, str):
        return _Time(_text(value, where), None, None, None, None)
    table = _table(value, {"column", "format", "time_column", "time_format", "timezone"}, {"column"}, where)
    if "time_format" in table and "time_column" not in table:
        raise InvalidInput(f"{where}: time_format: there is no time_column it reads")
    fmt = _text(table["format"], f"{where}.format") if "format" in table else None
    clock = _text(table["time_format"], f"{where}.time_format") if "time_format" in table else None
    for name, pattern in (("format", fmt), ("time_format", clock)):
        if pattern is not None and "%" not in pattern:
            raise InvalidInput(f"{where}.{name}: {pattern!r} has no strptime directive (like %Y-%m-%d)")
    return _Time(
        column=_text(table["column"], f"{where}.column"),
        format=fmt,
        time_column=_text(table["time_column"], f"{where}.time_column") if "time_column" in table else None,
        time_format=clock,
        zone=_zone(table["timezone"], f"{where}.timezone") if "timezone" in table else None,
    )


# ----- the presets -------------------------------------------------------------------------------------

# The layout of IMB Piracy Reporting Centre records as the open data set of Benden et al. (2021), "Maritime
# Pirate Attacks" (doi 10.5334/johd.39), exports them: decimal positions, date and UTC time, attack type,
# vessel, location and country, narrative. R's "NA" marks a value not given. IMB gives no record number: a
# record is known by its date, time, position and vessel name.
IMB_MAPPING: dict[str, Any] = {
    "source": "IMB PRC",
    "id_prefix": "imb",
    "reference": ["date", "time", "latitude", "longitude", "vessel_name"],
    "missing": ["NA"],
    "name": {"template": "{@source} {date}[: {attack_type}][ - {vessel_name}][ ({location_description})]"},
    # IMB's attack types say what happened (boarded, attempted, fired upon, hijacked), not piracy or armed
    # robbery: a hijacking is piracy, else the narrative's own words decide (NGA ASAM's rules).
    "category": {
        "column": "attack_type",
        "map": {"Hijacked": "piracy"},
        "keywords": ["attack_description"],
        "default": "maritime-incident",
    },
    "attempted": {"column": "attack_type", "values": ["Attempted"]},
    "occurred_at": {
        "column": "date",
        "format": "%Y-%m-%d",
        "time_column": "time",
        "time_format": "%H:%M UTC",
        "timezone": "UTC",
    },
    "latitude": "latitude",
    "longitude": "longitude",
    "vessel_name": "vessel_name",
    "description": "attack_description",
    "keep": {
        "vessel_type": "vessel_type",
        "vessel_status": "vessel_status",
        "location_description": "location_description",
        "nearest_country": "nearest_country",
        "eez_country": "eez_country",
        "imb_attack_type": "attack_type",
        "imb_data_source": "data_source",
    },
}

# ReCAAP ISC's incident list, with the field names of its public incident search (portal.recaap.org/OpenMap):
# incident number, type, ReCAAP classification (CAT1-CAT4, "Attempted" for attempts, which ReCAAP does not
# grade), time with its UTC offset ("24 Nov 2024 0100 GMT+08:00"), decimal position, ship, narrative.
RECAAP_MAPPING: dict[str, Any] = {
    "source": "ReCAAP ISC",
    "id_prefix": "recaap",
    "reference": "incidentNo",
    "missing": ["TBC", "NA", "Name withheld"],
    "name": {"template": "ReCAAP {@reference}: {incidentType}[ - {shipName}][ ({areaDescription})]"},
    # ReCAAP reports piracy and armed robbery against ships; "Robbery/Theft" is armed robbery in the IMO
    # definition ReCAAP uses (A.1025(26)); an attempt does not say which of the two it would have been.
    "category": {
        "column": "incidentType",
        "map": {"Robbery/Theft": "armed-robbery", "Piracy": "piracy", "Attempted": "maritime-incident"},
    },
    "severity": {
        "column": "classification",
        "map": {"CAT1": "CAT 1", "CAT2": "CAT 2", "CAT3": "CAT 3", "CAT4": "CAT 4", "Attempted": NOT_GRADED},
    },
    "attempted": {"column": "incidentType", "values": ["Attempted"]},
    "occurred_at": {"column": "fullTimestampOfIncidentString", "format": "%d %b %Y %H%M GMT%z"},
    "latitude": "positionLatitude",
    "longitude": "positionLongitude",
    "vessel_name": "shipName",
    "vessel_imo": "shipImoNumber",
    "description": "attackMethodDesc",
    "keep": {
        "vessel_type": "shipType",
        "vessel_flag": "shipFlag",
        "recaap_area": "areaDescription",
        "recaap_remarks": "remarks",
        "recaap_information_source": "sourceOfInformation",
    },
}

IMB = mapping_from(IMB_MAPPING, where="the imb preset", key="imb")
RECAAP = mapping_from(RECAAP_MAPPING, where="the recaap preset", key="recaap")
PRESETS: dict[str, IncidentFormat] = {"asam": ASAM, "imb": IMB, "recaap": RECAAP}


def preset(name: str) -> IncidentFormat:
    """A named preset; InvalidInput naming the choices for any other name."""
    try:
        return PRESETS[name.lower()]
    except KeyError:
        raise InvalidInput(f"preset {name!r}: not one of {', '.join(PRESETS)}") from None
