"""Incident records from any CSV: the reading every format shares, and the import through the object store.

A *format* (:class:`IncidentFormat`) says which columns a file needs, what identifies a record and how a row
becomes an incident; NGA ASAM (:mod:`mitra.pillars.maritime.asam`), the IMB and ReCAAP ISC presets and mapping
files (:mod:`mitra.pillars.maritime.incident_formats`) are formats. The rest is here, the same for all of them:
every record read ends stored (added, updated or unchanged), a duplicate of an earlier line, or rejected with
its line and reason, in the one :class:`~mitra.foundation.reports.ImportReport`; the object goes through the
store's import like every other (its type's check, the release rule, audit); its id comes from the node's
nation, the source and the record's reference, so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep
from sqlalchemy import select

from mitra.core.access import permit
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput, apply_handling, read_handling, validate_object
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import format_timestamp, next_modified, now_utc
from mitra.pillars.maritime.incidents import incident_object
from mitra.pillars.maritime.models import OTHER_AREA, IncidentInput
from mitra.pillars.maritime.service import load_areas
from mitra.policy import Action, Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node

BATCH = 1000  # records per transaction
Row = Mapping[str, str]  # one CSV record: column name -> cell, as read


class IncidentFormat(Protocol):
    """How one kind of CSV states incidents. Its methods raise InvalidInput saying what is wrong; the reader
    adds where (the file and line, or the record's reference)."""

    @property
    def key(self) -> str:
        """The format's name in the import's audit entry: "nga-asam", "imb", "recaap", "mapping"."""
        ...

    @property
    def title(self) -> str:
        """What people call the source ("NGA ASAM")."""
        ...

    def check_header(self, header: Sequence[str]) -> None:
        """Refuse a header that lacks a column the format reads."""

    def reference(self, row: Row) -> str:
        """What identifies the row's record in its source (never empty)."""
        ...

    def incident(self, row: Row, reference: str) -> tuple[IncidentInput, Sequence[str]]:
        """The incident a row states, and notes on values worth knowing (a value the source withheld)."""
        ...

    def object_id(self, nation: str, reference: str) -> str:
        """The id of the record's incident on a node of ``nation``: the same on every import."""
        ...


@dataclass(frozen=True, slots=True)
class ParsedIncident:
    line: int  # where the record starts in the file, from 1
    reference: str
    incident: IncidentInput


@dataclass
class ParsedIncidents:
    """What became of each CSV record: kept, rejected or a duplicate (by line); notes on kept ones."""

    read: int = 0
    records: list[ParsedIncident] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


def read_text(path: Path) -> str:
    """A CSV file's text; InvalidInput naming the file (and the line of a byte that is not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    return decode_text(data, where=str(path))


def decode_text(data: bytes, *, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(f"{where} line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def parse_incidents(text: str, fmt: IncidentFormat, *, where: str) -> ParsedIncidents:
    """Every record of a CSV read by ``fmt``: kept, or rejected or a duplicate with its line and reason.

    The first non-blank line is the header; a header the format cannot read refuses the whole file (nothing
    is read). Blank lines are not records. A record repeating an earlier one cell for cell is a duplicate;
    one with an earlier record's reference and other values is rejected (which of the two is right is not
    ours to guess).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    names, header_line = _header(reader, where)
    try:
        fmt.check_header(names)
    except InvalidInput as exc:
        raise InvalidInput(f"{where} line {header_line}: {exc}") from None
    parsed = ParsedIncidents()
    seen: dict[str, tuple[int, tuple[str, ...]]] = {}
    for line, fields in _records(reader):
        parsed.read += 1
        if isinstance(fields, csv.Error):
            parsed.rejected.append((line, f"unreadable CSV record ({fields})"))
        elif len(fields) > len(names) and any(f.strip() for f in fields[len(names) :]):
            parsed.rejected.append((line, f"{len(fields)} fields but the header has {len(names)} columns"))
        else:
            row = {name: (fields[i] if i < len(fields) else "") for i, name in enumerate(names) if name}
            _read_row(parsed, seen, fmt, line, row)
    return parsed


def _records(reader: Any) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(first line, fields) of each record after the header; blank lines are not records. A record the CSV
    reader cannot read comes as its error, and the reader goes on with the next one."""
    next_line = reader.line_num + 1
    while True:
        line = next_line
        try:
            fields: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            next_line = reader.line_num + 1
            yield line, exc
            continue
        next_line = reader.line_num + 1
        if fields:
            yield line, fields


def _read_row(
    parsed: ParsedIncidents,
    seen: dict[str, tuple[int, tuple[str, ...]]],
    fmt: IncidentFormat,
    line: int,
    row: dict[str, str],
) -> None:
    """Keep one row's incident in ``parsed``, or say why not (its reference, a value, an earlier line)."""
    try:
        reference = fmt.reference(row)
    except InvalidInput as exc:
        parsed.rejected.append((line, str(exc)))
        return
    try:
        incident, notes = fmt.incident(row, reference)
        incident = incident.checked()
    except InvalidInput as exc:
        parsed.rejected.append((line, f"reference {reference}: {exc}"))
        return
    cells = tuple(row.values())
    earlier = seen.get(reference)
    if earlier is None:
        seen[reference] = (line, cells)
        parsed.records.append(ParsedIncident(line, reference, incident))
        parsed.notes.extend((line, note) for note in notes)
    elif earlier[1] == cells:
        parsed.duplicates.append((line, f"repeats line {earlier[0]} (reference {reference})"))
    else:
        parsed.rejected.append((line, f"reference {reference} is also line {earlier[0]}, with other values"))


def _header(reader: Any, where: str) -> tuple[list[str], int]:
    """The column names (trimmed) and the header's line; InvalidInput for no header or a repeated name."""
    line = 1
    while True:
        try:
            header: list[str] = next(reader)
        except StopIteration:
            raise InvalidInput(f"{where}: no header line (the file is empty)") from None
        except csv.Error as exc:
            raise InvalidInput(f"{where} line {line}: unreadable header ({exc})") from None
        if header:
            break
        line = reader.line_num + 1
    names = [name.strip() for name in header]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise InvalidInput(f"{where} line {line}: column {', '.join(map(repr, repeated))} appears more than once")
    return names, line


def prepared_areas(areas: Mapping[str, BaseGeometry]) -> list[tuple[str, Any]]:
    """(name, prepared geometry) in name order: the first that covers a position is its area."""
    return [(name, prep(geometry)) for name, geometry in sorted(areas.items())]


def incident_body(incident: IncidentInput, *, object_id: str, prepared: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The object (without timestamps) for an imported record, its area computed and its content hashed.

    ``source_hash`` covers everything the record gave, so a re-import of the same record is "unchanged"
    and a corrected one a new version.
    """
    body = incident_object(incident, {})
    point = Point(incident.longitude, incident.latitude)
    area = next((name for name, g in prepared if g.covers(point)), None)
    if area is not None:
        body["area"] = area
    body["source_hash"] = hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:32]
    body["id"] = object_id
    return body


def import_incidents(
    node: Node,
    *,
    path: Path,
    fmt: IncidentFormat,
    actor: Actor,
    handling: HandlingInput,
    on_progress: Callable[[int, int], None] | None = None,
    on_finish: Callable[[ImportReport], object] | None = None,
) -> ImportReport:
    """Import a CSV of incident records idempotently, one transaction per batch of :data:`BATCH` records.

    ``on_progress(done, total)`` after each batch. A new object gets ``handling``; a changed record keeps the
    marking its object has (widening it is a release, for a release officer). ``on_finish(report)`` is called
    inside the last batch's transaction: what it raises rolls that batch back (the CLI refuses an import that
    kept no record so).
    """
    permit(actor, Action.IMPORT, nation=node.nation)
    parsed = parse_incidents(read_text(path), fmt, where=str(path))
    report = ImportReport(source=path.name, unit="line", read=parsed.read)
    for line, reason in parsed.rejected:
        report.reject(reason, line)
    for line, reason in parsed.duplicates:
        report.duplicate(reason, line)
    for line, reason in parsed.notes:
        report.note(reason, line)
    prepared = prepared_areas(load_areas(node, actor))
    records = parsed.records
    starts = list(range(0, len(records), BATCH)) or [0]  # a file of bad rows only is still an import, audited
    for start in starts:
        batch = records[start : start + BATCH]
        detail: dict[str, Any] = {"format": fmt.key, "records": f"{start + 1}-{start + len(batch)}"}
        with node.db.write() as session:
            _store_batch(
                session,
                node,
                batch,
                fmt=fmt,
                prepared=prepared,
                actor=actor,
                handling=handling,
                where=path.name,
                detail=detail,
                final=start == starts[-1],
                report=report,
            )
            if on_finish is not None and start == starts[-1]:
                on_finish(report)
        if on_progress is not None:
            on_progress(len(batch), len(records))
    return report


def _store_batch(
    session: Session,
    node: Node,
    batch: Sequence[ParsedIncident],
    *,
    fmt: IncidentFormat,
    prepared: Sequence[tuple[str, Any]],
    actor: Actor,
    handling: HandlingInput,
    where: str,
    detail: dict[str, Any],
    final: bool,
    report: ImportReport,
) -> None:
    """Check and store one batch through the store's import; count what became of each record, by its line."""
    bodies = [
        (
            record,
            incident_body(record.incident, object_id=fmt.object_id(node.nation, record.reference), prepared=prepared),
        )
        for record in batch
    ]
    held: dict[str, StixObject] = {
        row.id: row
        for row in session.scalars(
            select(StixObject).where(StixObject.id.in_([b["id"] for _, b in bodies]), StixObject.is_latest.is_(True))
        )
    }
    stamp = format_timestamp(now_utc())
    offered: list[tuple[dict[str, Any], ParsedIncident]] = []
    for record, body in bodies:
        current = held.get(body["id"])
        if current is not None:
            previous = current.as_stix()
            if previous.get("source_hash") == body["source_hash"]:
                report.count("unchanged")
                _tally(report, body)
                continue
            if current.originator_nation != node.nation:
                reason = f"{body['id']} is held from {current.originator_nation}; only the originator versions it"
                report.reject(f"reference {record.reference}: {reason}", record.line)
                continue
            created, modified = previous["created"], format_timestamp(next_modified(current.modified))
            marking = read_handling(previous, where=body["id"])
        else:
            created = modified = stamp
            marking = handling
        full = apply_handling({"spec_version": "2.1", "created": created, "modified": modified, **body}, marking)
        offered.append((full, record))

    def store() -> ImportReport:
        if final:  # the file's own facts, once
            detail.update(file_records=report.read, bad_rows=report.rejected_count, duplicates=report.duplicate_count)
        objects = [obj for obj, _ in offered]
        return node.store.import_objects(
            session, objects, actor=actor, default_handling=handling, where=where, audit_detail=detail
        )

    try:
        stored = store()
    except InvalidInput:
        # The store refuses a batch with an invalid object whole, before it writes anything. Find those it
        # refuses, each a rejected line, and store the rest; a refusal of anything else is the caller's.
        offered = [(obj, record) for obj, record in offered if _valid(node, obj, record, report)]
        stored = store()
    for obj, _ in offered:
        _tally(report, obj)
    _merge_by_line(report, stored, [record.line for _, record in offered])


def _valid(node: Node, obj: dict[str, Any], record: ParsedIncident, report: ImportReport) -> bool:
    """Whether the store's validator takes ``obj``; if not, the record's line is rejected with its reason."""
    try:
        validate_object(obj, node.store.registry, where=f"reference {record.reference}")
    except InvalidInput as exc:
        report.reject(str(exc), record.line)
        return False
    return True


def _tally(report: ImportReport, body: Mapping[str, Any]) -> None:
    report.tallies[f"area: {body.get('area') or OTHER_AREA}"] += 1
    report.tallies[f"category: {body['category']}"] += 1


def _merge_by_line(report: ImportReport, stored: ImportReport, lines: Sequence[int]) -> None:
    """Add what the store did with a batch, its objects' positions (from 1) turned back into the file's lines."""
    report.count("added", stored.added)
    report.count("updated", stored.updated)
    report.count("unchanged", stored.unchanged)
    for adding, reasons in ((report.reject, stored.rejected), (report.duplicate, stored.duplicates)):
        for reason, where in reasons.items():
            for position in where.positions:
                adding(reason, lines[position - 1])
            if where.count > len(where.positions):
                adding(reason, None, where.count - len(where.positions))
    for reason, where in stored.notes.items():
        for position in where.positions:
            report.note(reason, lines[position - 1])
    report.tallies.update(stored.tallies)
