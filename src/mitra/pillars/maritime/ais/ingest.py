"""AIS ingest: files (plain or gzip), TCP and UDP streams -> framing -> vectorised decode -> Parquet.

Timestamps, and the basis each stored report records (``time_basis``): a sentence's receiver time
(NMEA 4 tag block ``c:``, or the epoch a USCG-style receiver appends after the checksum) wins
(``message``); otherwise the UTC clock of the latest base-station report (type 4/11) seen before it
in the stream (``base-station clock``); otherwise the basis the operator named (:class:`TimeBasis`:
an assumed start and rate, the file's modification time, or for a stream the time it arrived);
otherwise none: the report is stored with an unknown time, which the detectors skip and count.
Nothing is given a time it did not have without the basis saying so.

Every record is reported (:class:`~mitra.foundation.reports.ImportReport`, by line): stored, the same
report as an earlier line (a duplicate), held already, or rejected with its reason. Two reports are
the same only when every decoded field is; which line is kept is the first.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import select
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import MAX_POSITIONS, ImportReport
from mitra.pillars.maritime.ais.decode import (
    POSITION_TYPES,
    SIX_BIT,
    SUPPORTED_TYPES,
    Column,
    TypeGroup,
    decode_buffer,
)
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, Framed, IngestCounts, frame_lines
from mitra.pillars.maritime.ais.store import DATASETS, PositionStore, report_columns

BATCH_LINES = 200_000
_STATIC_TYPES = frozenset({5, 19, 24})
_STATION_TYPES = frozenset({4, 11})
_CLOCK_YEARS = (2000, 2100)  # a base-station clock outside these years times nothing else
# Where each kept type goes (type 19 is a position and a static report; see ``_write``).
KEPT_TYPES: dict[str, frozenset[int]] = {
    "positions": POSITION_TYPES,
    "static": _STATIC_TYPES,
    "stations": _STATION_TYPES,
    "sar": frozenset({9}),
    "aids": frozenset({21}),
    "safety": frozenset({12, 14}),
}
# ITU-R M.1371 message names, for the report's tally by type and the reasons of types Mitra does not keep.
TYPE_NAMES = {
    1: "position report, class A",
    2: "position report, class A (assigned schedule)",
    3: "position report, class A (response to interrogation)",
    4: "base station report",
    5: "static and voyage data",
    6: "binary addressed",
    7: "binary acknowledge",
    8: "binary broadcast",
    9: "SAR aircraft position",
    10: "UTC/date inquiry",
    11: "UTC/date response",
    12: "addressed safety",
    13: "safety acknowledge",
    14: "safety broadcast",
    15: "interrogation",
    16: "assignment mode command",
    17: "DGNSS broadcast",
    18: "position report, class B",
    19: "extended position report, class B",
    20: "data link management",
    21: "aid to navigation report",
    22: "channel management",
    23: "group assignment command",
    24: "static data report",
    25: "single-slot binary",
    26: "multiple-slot binary",
    27: "long-range position report",
}


def type_tally(msg_type: int) -> str:
    """The report's tally name of a message type: ``type  1 (...)``, padded so that the names sort by number."""
    return f"type {msg_type:>2} ({TYPE_NAMES.get(msg_type, 'unassigned')}) messages"


@dataclass(frozen=True)
class TimeBasis:
    """How to time a report that carries no time of its own, as the operator named it.

    ``assumed``: the capture began at ``start`` and ran at ``rate`` lines a second (every line at
    ``start`` when no rate); ``file-mtime``: every such report at the file's modification time;
    ``received``: a live stream's reports at the moment they arrived.
    """

    kind: str
    start: float
    rate: float | None = None

    def times(self, lines: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        if self.rate:
            return self.start + (lines.astype(np.float64) - 1.0) / self.rate
        return np.full(len(lines), self.start)

    def describe(self) -> str:
        start = datetime.fromtimestamp(self.start, UTC).isoformat().replace("+00:00", "Z")
        rate = f" at {self.rate:g} lines/s" if self.rate else ""
        return f"{self.kind} from {start}{rate}"


# What a stored report's time rests on, by the code _times gives it.
_BASIS_MESSAGE, _BASIS_CLOCK, _BASIS_NAMED, _BASIS_NONE = 0, 1, 2, 3


@dataclass
class IngestResult:
    source: str
    counts: IngestCounts
    stored: dict[str, int] = field(default_factory=dict)  # dataset -> reports stored by this ingest
    untimed: int = 0  # reports stored with an unknown time: no basis was named
    time_basis: str = ""
    resumed_from_line: int = 0
    already_complete: bool = False
    seconds: float = 0.0
    report_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stored_positions(self) -> int:
        return self.stored.get("positions", 0)

    @property
    def stored_static(self) -> int:
        return self.stored.get("static", 0)

    @property
    def report(self) -> ImportReport:
        return self.counts.report

    @property
    def duplicates(self) -> int:
        return self.counts.report.duplicate_count

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stored": {name: self.stored.get(name, 0) for name in DATASETS},
            "stored_positions": self.stored_positions,
            "stored_static": self.stored_static,
            "untimed": self.untimed,
            "time_basis": self.time_basis,
            "resumed_from_line": self.resumed_from_line,
            "already_complete": self.already_complete,
            "seconds": round(self.seconds, 3),
            **self.counts.as_dict(),
        }


def _values(column: Column) -> Any:
    return column.values


def _float_or_nan(column: Column, missing: float | None = None) -> npt.NDArray[np.float64]:
    values = np.asarray(column.values, dtype=np.float64)
    values = np.where(column.present, values, np.nan)
    if missing is not None:
        values = np.where(values == missing, np.nan, values)
    return values


def _window(times: npt.NDArray[np.float64]) -> tuple[datetime, datetime]:
    """The naive UTC times the batch's reports may have (a second's margin either side, for the rounding); when
    none has a time, a window no timed file falls in (the files holding reports of no time are read anyway)."""
    timed = times[np.isfinite(times)]
    if not len(timed):
        return datetime.min, datetime.min
    try:
        low = datetime.fromtimestamp(max(float(timed.min()) - 1.0, 0.0), UTC).replace(tzinfo=None)
        high = datetime.fromtimestamp(float(timed.max()) + 1.0, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):  # a time no calendar holds (rejected with its report): read all
        return datetime.min, datetime.max
    return low, high


class AisIngestor:
    """Feeds batches of lines through framing and decoding into the store; keeps the stream's clock."""

    def __init__(self, store: PositionStore, *, source: str, basis: TimeBasis | None = None) -> None:
        self.store = store
        self.source = source
        self.basis = basis
        self.clock = float("nan")
        self.assembler = FragmentAssembler()
        self.counts = IngestCounts(report=ImportReport(source=source, unit="line"))
        self.stored: dict[str, int] = dict.fromkeys(DATASETS, 0)
        self.untimed = 0
        self.records_before = 0  # AIS records an interrupted run of this file read before this one resumed it
        self._utc_of: dict[int, npt.NDArray[np.float64]] = {}  # a batch's station groups: their UTC (seconds)
        self._con: duckdb.DuckDBPyConnection | None = None  # the store, read and written by one batch
        # When a dict (a live feed), each batch's newly stored rows by dataset, as Arrow tables, for its hook.
        self.fresh: dict[str, list[Any]] | None = None

    def _utc(self, group: TypeGroup) -> npt.NDArray[np.float64]:
        if id(group) not in self._utc_of:
            self._utc_of[id(group)] = _utc_seconds(group.columns)
        return self._utc_of[id(group)]

    @property
    def records_seen(self) -> int:
        """AIS records (messages, or lines that could not become one) read so far, with the run resumed."""
        return self.records_before + self.counts.report.read

    def feed(self, lines: list[bytes], *, first_line: int) -> None:
        framed = frame_lines(lines, first_line=first_line, assembler=self.assembler, counts=self.counts)
        self._store(framed)

    def finish(self) -> None:
        self.assembler.flush(self.counts)

    def state(self) -> dict[str, Any]:
        """What a resumed ingest needs to go on exactly as this one would: the clock and pending fragments."""
        return {
            "clock": None if math.isnan(self.clock) else self.clock,
            "pending": self.assembler.state(),
            "records": self.records_seen,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        self.records_before = int(state.get("records", 0))
        clock = state.get("clock")
        self.clock = float("nan") if clock is None else float(clock)
        self.assembler.restore(list(state.get("pending", [])))

    def _times(
        self, received: npt.NDArray[np.float64], groups: list[TypeGroup], lines: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Each message's time (UNIX seconds, NaN when none) and what it rests on (the ``_BASIS_*`` codes)."""
        times = received
        base = np.full(len(times), np.nan)
        for group in groups:
            if group.msg_type in _STATION_TYPES:
                base[group.index] = _clock_seconds(group.columns, self._utc(group))
        known = ~np.isnan(base)
        if known.any():
            index = np.where(known, np.arange(len(base)), -1)
            np.maximum.accumulate(index, out=index)
            before = self.clock
            carried = np.where(index >= 0, base[np.clip(index, 0, None)], before)
            last_known = float(base[np.flatnonzero(known)[-1]])
        else:
            carried = np.full(len(base), self.clock)
            last_known = self.clock
        basis = np.where(np.isnan(times), np.where(np.isnan(carried), _BASIS_NONE, _BASIS_CLOCK), _BASIS_MESSAGE)
        result = np.where(np.isnan(times), carried, times)
        if self.basis is not None:
            named = basis == _BASIS_NONE
            result = np.where(named, self.basis.times(lines), result)
            basis = np.where(named, _BASIS_NAMED, basis)
        heard = _plausible_time(times)  # a broken receiver time is rejected with its report, not kept as the clock
        if heard.any():
            last_known = max(last_known if not math.isnan(last_known) else -np.inf, float(times[heard][-1]))
        if not math.isnan(last_known):
            self.clock = last_known
        return result, basis.astype(np.int64)

    def _basis_names(self, codes: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        names = np.array(
            ["message", "base-station clock", self.basis.kind if self.basis else "", "unknown"], dtype=object
        )
        return names[codes]

    def _store(self, framed: Framed) -> None:
        buffer, starts, lengths, fills, lines, received = framed.combined()
        groups = decode_buffer(buffer, starts, lengths, fills)
        self.counts.messages += len(starts)
        self.counts.report.read += len(starts)
        known = np.zeros(len(starts), dtype=bool)
        for group in groups:
            known[group.index] = True
        types = SIX_BIT[buffer[starts]] if len(starts) else np.zeros(0, dtype=np.int64)
        values, tallies = np.unique(types, return_counts=True)
        for value, count in zip(values.tolist(), tallies.tolist(), strict=True):
            self.counts.by_type[int(value)] += int(count)
            self.counts.report.tallies[type_tally(int(value))] += int(count)
        self._utc_of = {}
        times, basis = self._times(received, groups, lines)
        self._report_unkept(types, known, groups, lines)

        def of(dataset: str) -> list[TypeGroup]:
            return [g for g in groups if g.msg_type in KEPT_TYPES[dataset]]

        # One connection for the batch: each dataset is written once, so its view stays the files before it. It
        # reads the files that may hold one of the batch's reports (by time), not every file of the store.
        with self.store.reading(overlapping=_window(times)) as con:
            con.execute("SET preserve_insertion_order = false")
            self._con = con
            try:
                self._store_positions(of("positions"), times, basis, lines)
                self._store_static(of("static"), times, basis, lines)
                self._store_stations(of("stations"), times, basis, lines)
                self._store_sar(of("sar"), times, basis, lines)
                self._store_aids(of("aids"), times, basis, lines)
                self._store_safety(of("safety"), times, basis, lines)
            finally:
                self._con = None

    def _report_unkept(
        self,
        types: npt.NDArray[np.int64],
        decoded: npt.NDArray[np.bool_],
        groups: list[TypeGroup],
        lines: npt.NDArray[np.int64],
    ) -> None:
        """Messages no table keeps are rejects too, each with its line and why."""
        kept = frozenset().union(*KEPT_TYPES.values())
        for index in np.flatnonzero(~decoded).tolist():
            msg_type = int(types[index])
            if msg_type in SUPPORTED_TYPES:  # decodable, yet no group took it: a reserved variant
                reason = f"type {msg_type}: a reserved variant (e.g. type 24 part number 2 or 3)"
            else:
                reason = f"type {msg_type} ({TYPE_NAMES.get(msg_type, 'unassigned')}): not decoded"
            self.counts.report.reject(reason, int(lines[index]))
        for group in groups:
            if group.msg_type in kept:
                continue
            reason = f"type {group.msg_type} ({TYPE_NAMES.get(group.msg_type, '')}): decoded, not kept"
            for line in lines[group.index].tolist():
                self.counts.report.reject(reason, int(line))

    def _timed(
        self,
        group: TypeGroup,
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
        keep: npt.NDArray[np.bool_],
        parts: dict[str, list[Any]],
    ) -> npt.NDArray[np.bool_]:
        """Reject a kept report whose time is out of range; add the time, line and basis of the rest to ``parts``.

        Returns the rows still kept.
        """
        seconds = times[group.index]
        untimed = np.isnan(seconds)
        bad_time = keep & ~untimed & ~_plausible_time(seconds)
        for line in lines[group.index[bad_time]].tolist():
            self.counts.report.reject("time out of range", line)
        keep = keep & ~bad_time
        index = group.index[keep]
        parts["timed"].append(~untimed[keep])
        parts["ts"].append((np.where(untimed, 0.0, seconds)[keep] * 1e6).astype(np.int64))
        parts["mt"].append(np.full(int(keep.sum()), group.msg_type, dtype=np.int64))
        parts["line"].append(lines[index])
        parts["basis"].append(self._basis_names(basis[index]))
        return keep

    def _position_or_none(
        self, group: TypeGroup, lines: npt.NDArray[np.int64], keep: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Latitude and longitude, NaN where missing: such a report (of ``keep``) is kept without them, noted."""
        lat = _float_or_nan(group.columns["lat"])
        lon = _float_or_nan(group.columns["lon"])
        unavailable = (lat == 91.0) | (lon == 181.0) | np.isnan(lat) | np.isnan(lon)
        out_of_range = ~unavailable & ((np.abs(lat) > 90.0) | (np.abs(lon) > 180.0))
        for mask, note in (
            (unavailable, "position not available: kept without a position"),
            (out_of_range, "coordinates out of range: kept without a position"),
        ):
            for line in lines[group.index[mask & keep]].tolist():
                self.counts.report.note(note, line)
        missing = unavailable | out_of_range
        return np.where(missing, np.nan, lat), np.where(missing, np.nan, lon)

    def _store_positions(
        self,
        groups: list[TypeGroup],
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
    ) -> None:
        if not groups:
            return
        names = ("mmsi", "ts", "lat", "lon", "sog", "cog", "hdg", "st", "mt", "line", "timed", "basis")
        parts: dict[str, list[Any]] = {k: [] for k in names}
        for group in groups:
            cols = group.columns
            lat = _float_or_nan(cols["lat"])
            lon = _float_or_nan(cols["lon"])
            if group.msg_type == 27:
                sog = _float_or_nan(cols["speed"], 63.0)
                cog = _float_or_nan(cols["course"], 511.0)
                heading = np.full(len(group.index), -1, dtype=np.int64)
            else:
                sog = _float_or_nan(cols["speed"], 102.3)
                cog = _float_or_nan(cols["course"], 360.0)
                heading = np.where(cols["heading"].present, np.asarray(cols["heading"].values), 511)
                heading = np.where(heading == 511, -1, heading)
            status = (
                np.where(cols["status"].present, np.asarray(cols["status"].values), 15)
                if "status" in cols
                else np.full(len(group.index), 15, dtype=np.int64)
            )
            keep = self._located(group, lat, lon, lines)
            keep = self._timed(group, times, basis, lines, keep, parts)
            parts["mmsi"].append(np.asarray(cols["mmsi"].values)[keep])
            parts["lat"].append(lat[keep])
            parts["lon"].append(lon[keep])
            parts["sog"].append(sog[keep])
            parts["cog"].append(cog[keep])
            parts["hdg"].append(heading[keep].astype(np.int64))
            parts["st"].append(status[keep].astype(np.int64))
        self._write(
            parts,
            dataset="positions",
            select="""
                SELECT mmsi, CASE WHEN timed THEN make_timestamp(ts) END AS ts, lat, lon,
                       CAST(nullif(sog, 'NaN') AS DOUBLE) AS sog, CAST(nullif(cog, 'NaN') AS DOUBLE) AS cog,
                       CAST(nullif(hdg, -1) AS INTEGER) AS heading, CAST(st AS INTEGER) AS status,
                       CAST(mt AS INTEGER) AS msg_type, $1 AS source, line, CAST(basis AS VARCHAR) AS time_basis
                FROM batch
            """,
        )

    def _located(
        self,
        group: TypeGroup,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        lines: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_]:
        """Which position reports have a position; the others are rejected with the reason."""
        unavailable = (lat == 91.0) | (lon == 181.0) | np.isnan(lat) | np.isnan(lon)
        out_of_range = ~unavailable & ((np.abs(lat) > 90.0) | (np.abs(lon) > 180.0))
        for mask, reason in ((unavailable, "position not available"), (out_of_range, "coordinates out of range")):
            for line in lines[group.index[mask]].tolist():
                self.counts.report.reject(reason, line)
        return np.asarray(~(unavailable | out_of_range), dtype=np.bool_)

    def _write(
        self,
        parts: dict[str, list[Any]],
        *,
        dataset: str,
        select: str,
        uncounted: frozenset[int] = frozenset(),
    ) -> None:
        """Store the batch's new reports of ``dataset``; report the rest by line; record the files written.

        A report is the same as another when every field of the report is (``report_columns``; NULL equal
        to NULL). Of the same report twice in this source, the first line is kept and the later one is a
        duplicate; one held from another source, or from this very line before an interrupted run, is held
        already. Two reports of unknown time are the same when all else is. Messages of an ``uncounted``
        type are stored without being reported here (a type 19 report is a position and a static report; it
        is reported once). The counting is SQL; only the lines a report keeps come back to Python. Each
        Parquet file written is recorded in the store's manifest (its checksum) before the ingest goes on.
        """
        if not parts["mmsi"]:
            return
        batch = {k: np.concatenate(v) for k, v in parts.items()}
        if not len(batch["mmsi"]):
            return
        key = report_columns(dataset)
        folder = self.store.dataset_dir(dataset)
        folder.mkdir(parents=True, exist_ok=True)
        counted = f"msg_type NOT IN ({', '.join(str(t) for t in sorted(uncounted))})" if uncounted else "TRUE"
        con = self._con
        if con is None:
            raise RuntimeError("_write runs within a batch's connection (see _store)")
        for table in ("offered", "fresh", "held"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.register("batch", batch)
        partition = ", ".join(key)
        numbered = f"SELECT *, row_number() OVER (PARTITION BY {partition} ORDER BY line) AS copy FROM ({select})"  # noqa: S608 - our own column names
        con.execute(f"CREATE TEMP TABLE offered AS {numbered}", [self.source])
        con.execute("CREATE TEMP TABLE fresh AS SELECT * EXCLUDE (copy) FROM offered WHERE copy = 1")
        bounds = con.execute("SELECT min(ts), max(ts) FROM fresh").fetchone()
        same = " AND ".join(f"a.{k} IS NOT DISTINCT FROM b.{k}" for k in key)
        con.execute(
            f"""
            CREATE TEMP TABLE held AS
            SELECT a.line, a.msg_type, bool_or(b.source = a.source AND b.line < a.line) AS earlier
            FROM fresh a JOIN (SELECT * FROM all_{dataset} WHERE ts IS NULL OR (ts BETWEEN $1 AND $2)) b ON {same}
            GROUP BY a.line, a.msg_type
            """,  # noqa: S608 - our own names
            [bounds[0] if bounds else None, bounds[1] if bounds else None],
        )
        # Later copies in this batch, and copies of an earlier line of this source stored before: duplicates.
        repeats = f"""
            SELECT line FROM offered WHERE copy > 1 AND {counted}
            UNION ALL SELECT line FROM held WHERE earlier AND {counted}
        """  # noqa: S608 - our own names
        total = _scalar(con, f"SELECT count(*) FROM ({repeats})")  # noqa: S608
        if total:
            shown = [int(n) for (n,) in con.execute(f"{repeats} ORDER BY line LIMIT {MAX_POSITIONS}").fetchall()]
            reason = "the same report as an earlier line"
            for line in shown:
                self.counts.report.duplicate(reason, line)
            if total > len(shown):
                self.counts.report.duplicate(reason, None, count=total - len(shown))
        kept_before = f"SELECT count(*) FROM held WHERE NOT earlier AND {counted}"  # noqa: S608 - our own names
        self.counts.report.count("unchanged", _scalar(con, kept_before))
        con.execute("DELETE FROM fresh WHERE line IN (SELECT line FROM held)")
        new = _scalar(con, "SELECT count(*) FROM fresh")
        if not new:
            return
        target = str(folder).replace("'", "''")
        with self.store.writing():  # a check sees these files recorded, or not yet written
            written = con.execute(
                "COPY (SELECT *, CAST(ts AS DATE) AS date FROM fresh) "  # noqa: S608 - our own path
                f"TO '{target}' (FORMAT parquet, PARTITION_BY (date), APPEND, FILENAME_PATTERN 'part-{{uuid}}', "
                "RETURN_FILES true)"
            ).fetchone()
            files = [Path(f) for f in (written[1] if written else [])]
            self.store.record_files(files, how=f"ingest of {self.source}", con=con)
        self.untimed += _scalar(con, "SELECT count(*) FROM fresh WHERE ts IS NULL")
        self.counts.report.count("added", _scalar(con, f"SELECT count(*) FROM fresh WHERE {counted}"))  # noqa: S608
        self.stored[dataset] += new
        if self.fresh is not None:
            con.complete()  # the counts above left a result open, and DuckDB makes no relation beside one
            self.fresh.setdefault(dataset, []).append(con.sql("SELECT * FROM fresh").to_arrow_table())

    def _store_static(
        self,
        groups: list[TypeGroup],
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
    ) -> None:
        names = ("mmsi", "imo", "shipname", "callsign", "ship_type", "draught", "destination")
        parts: dict[str, list[Any]] = {k: [] for k in (*names, "length", "beam", "ts", "mt", "line", "timed", "basis")}
        for group in groups:
            cols = group.columns
            count = len(group.index)
            keep = self._timed(group, times, basis, lines, np.ones(count, dtype=np.bool_), parts)
            for name in names:
                parts[name].append(_object_column(cols.get(name), count)[keep])
            for target, first, second in (("length", "to_bow", "to_stern"), ("beam", "to_port", "to_starboard")):
                a, b = cols.get(first), cols.get(second)
                if a is None or b is None:
                    parts[target].append(np.full(int(keep.sum()), None, dtype=object))
                else:
                    total = (np.asarray(a.values) + np.asarray(b.values)).astype(object)
                    total[~(a.present & b.present)] = None
                    parts[target].append(total[keep])
        self._write(
            parts,
            dataset="static",
            select="""
                SELECT CAST(mmsi AS BIGINT) AS mmsi, CASE WHEN timed THEN make_timestamp(ts) END AS ts,
                       CAST(mt AS INTEGER) AS msg_type, CAST(imo AS BIGINT) AS imo, CAST(shipname AS VARCHAR) AS name,
                       CAST(callsign AS VARCHAR) AS callsign, CAST(ship_type AS INTEGER) AS ship_type,
                       CAST(length AS INTEGER) AS length, CAST(beam AS INTEGER) AS beam,
                       CAST(draught AS DOUBLE) AS draught, CAST(destination AS VARCHAR) AS destination,
                       $1 AS source, line, CAST(basis AS VARCHAR) AS time_basis
                FROM batch
            """,
            uncounted=POSITION_TYPES,
        )

    def _store_stations(
        self,
        groups: list[TypeGroup],
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
    ) -> None:
        """Base-station reports (4) and UTC/date responses (11): the station's position and UTC, as it says them."""
        names = ("mmsi", "utc", "lat", "lon", "accuracy", "epfd", "raim")
        parts: dict[str, list[Any]] = {k: [] for k in (*names, "ts", "mt", "line", "timed", "basis")}
        for group in groups:
            cols = group.columns
            count = len(group.index)
            keep = self._timed(group, times, basis, lines, np.ones(count, dtype=np.bool_), parts)
            lat, lon = self._position_or_none(group, lines, keep)
            utc = self._utc(group)
            for line in lines[group.index[np.isnan(utc) & keep]].tolist():
                self.counts.report.note("the station's UTC not available or not a date: kept without it", line)
            parts["mmsi"].append(np.asarray(cols["mmsi"].values)[keep])
            parts["utc"].append(utc[keep])
            parts["lat"].append(lat[keep])
            parts["lon"].append(lon[keep])
            for name in ("accuracy", "epfd", "raim"):
                parts[name].append(_object_column(cols[name], count)[keep])
        self._write(
            parts,
            dataset="stations",
            select="""
                SELECT CAST(mmsi AS BIGINT) AS mmsi, CASE WHEN timed THEN make_timestamp(ts) END AS ts,
                       CAST(mt AS INTEGER) AS msg_type,
                       CASE WHEN NOT isnan(utc) THEN make_timestamp(CAST(utc * 1e6 AS BIGINT)) END AS station_time,
                       CAST(nullif(lat, 'NaN') AS DOUBLE) AS lat, CAST(nullif(lon, 'NaN') AS DOUBLE) AS lon,
                       CAST(accuracy AS BOOLEAN) AS accuracy, CAST(epfd AS INTEGER) AS epfd,
                       CAST(raim AS BOOLEAN) AS raim, $1 AS source, line, CAST(basis AS VARCHAR) AS time_basis
                FROM batch
            """,
        )

    def _store_sar(
        self,
        groups: list[TypeGroup],
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
    ) -> None:
        """SAR aircraft positions (type 9): a dataset of their own, never among the vessels' positions."""
        names = ("mmsi", "lat", "lon", "alt", "sog", "cog", "accuracy", "dte", "assigned", "raim")
        parts: dict[str, list[Any]] = {k: [] for k in (*names, "ts", "mt", "line", "timed", "basis")}
        for group in groups:
            cols = group.columns
            count = len(group.index)
            lat = _float_or_nan(cols["lat"])
            lon = _float_or_nan(cols["lon"])
            keep = self._timed(group, times, basis, lines, self._located(group, lat, lon, lines), parts)
            alt = _object_column(cols["alt"], count)
            alt[np.asarray(cols["alt"].values) == 4095] = None  # not available
            parts["mmsi"].append(np.asarray(cols["mmsi"].values)[keep])
            parts["lat"].append(lat[keep])
            parts["lon"].append(lon[keep])
            parts["alt"].append(alt[keep])
            parts["sog"].append(_float_or_nan(cols["speed"], 1023.0)[keep])
            parts["cog"].append(_float_or_nan(cols["course"], 360.0)[keep])
            for name in ("accuracy", "dte", "assigned", "raim"):
                parts[name].append(_object_column(cols[name], count)[keep])
        self._write(
            parts,
            dataset="sar",
            select="""
                SELECT CAST(mmsi AS BIGINT) AS mmsi, CASE WHEN timed THEN make_timestamp(ts) END AS ts, lat, lon,
                       CAST(alt AS INTEGER) AS alt, CAST(nullif(sog, 'NaN') AS DOUBLE) AS sog,
                       CAST(nullif(cog, 'NaN') AS DOUBLE) AS cog, CAST(accuracy AS BOOLEAN) AS accuracy,
                       CAST(dte AS BOOLEAN) AS dte, CAST(assigned AS BOOLEAN) AS assigned,
                       CAST(raim AS BOOLEAN) AS raim, CAST(mt AS INTEGER) AS msg_type, $1 AS source, line,
                       CAST(basis AS VARCHAR) AS time_basis
                FROM batch
            """,
        )

    def _store_aids(
        self,
        groups: list[TypeGroup],
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
    ) -> None:
        """Aid-to-navigation reports (type 21): name (with its extension), type, position, virtual or real."""
        flags = ("accuracy", "virtual_aid", "off_position", "assigned", "raim")
        numbers = ("aid_type", "epfd", "second", "to_bow", "to_stern", "to_port", "to_starboard")
        names = ("mmsi", "name", "lat", "lon", *flags, *numbers)
        parts: dict[str, list[Any]] = {k: [] for k in (*names, "ts", "mt", "line", "timed", "basis")}
        for group in groups:
            cols = group.columns
            count = len(group.index)
            keep = self._timed(group, times, basis, lines, np.ones(count, dtype=np.bool_), parts)
            lat, lon = self._position_or_none(group, lines, keep)
            name = _object_column(cols["name"], count)
            extension = _object_column(cols.get("name_ext"), count)
            full = np.array(
                [n + e if n and e else n for n, e in zip(name.tolist(), extension.tolist(), strict=True)], dtype=object
            )
            parts["mmsi"].append(np.asarray(cols["mmsi"].values)[keep])
            parts["name"].append(full[keep])
            parts["lat"].append(lat[keep])
            parts["lon"].append(lon[keep])
            for field_name in (*flags, *numbers):
                parts[field_name].append(_object_column(cols[field_name], count)[keep])
        self._write(
            parts,
            dataset="aids",
            select="""
                SELECT CAST(mmsi AS BIGINT) AS mmsi, CASE WHEN timed THEN make_timestamp(ts) END AS ts,
                       CAST(mt AS INTEGER) AS msg_type, CAST(aid_type AS INTEGER) AS aid_type,
                       CAST(name AS VARCHAR) AS name,
                       CAST(nullif(lat, 'NaN') AS DOUBLE) AS lat, CAST(nullif(lon, 'NaN') AS DOUBLE) AS lon,
                       CAST(accuracy AS BOOLEAN) AS accuracy, CAST(virtual_aid AS BOOLEAN) AS virtual_aid,
                       CAST(off_position AS BOOLEAN) AS off_position, CAST(assigned AS BOOLEAN) AS assigned,
                       CAST(raim AS BOOLEAN) AS raim, CAST(epfd AS INTEGER) AS epfd, CAST(second AS INTEGER) AS second,
                       CAST(to_bow AS INTEGER) AS to_bow, CAST(to_stern AS INTEGER) AS to_stern,
                       CAST(to_port AS INTEGER) AS to_port, CAST(to_starboard AS INTEGER) AS to_starboard,
                       $1 AS source, line, CAST(basis AS VARCHAR) AS time_basis
                FROM batch
            """,
        )

    def _store_safety(
        self,
        groups: list[TypeGroup],
        times: npt.NDArray[np.float64],
        basis: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
    ) -> None:
        """Safety-related text: addressed (type 12: to ``dest_mmsi``) and broadcast (type 14)."""
        names = ("mmsi", "dest_mmsi", "seqno", "retransmit", "text")
        parts: dict[str, list[Any]] = {k: [] for k in (*names, "ts", "mt", "line", "timed", "basis")}
        for group in groups:
            cols = group.columns
            count = len(group.index)
            keep = self._timed(group, times, basis, lines, np.ones(count, dtype=np.bool_), parts)
            parts["mmsi"].append(np.asarray(cols["mmsi"].values)[keep])
            for name in ("dest_mmsi", "seqno", "retransmit", "text"):
                parts[name].append(_object_column(cols.get(name), count)[keep])
        self._write(
            parts,
            dataset="safety",
            select="""
                SELECT CAST(mmsi AS BIGINT) AS mmsi, CASE WHEN timed THEN make_timestamp(ts) END AS ts,
                       CAST(mt AS INTEGER) AS msg_type, mt = 12 AS addressed, CAST(dest_mmsi AS BIGINT) AS dest_mmsi,
                       CAST(seqno AS INTEGER) AS seqno, CAST(retransmit AS BOOLEAN) AS retransmit,
                       CAST(text AS VARCHAR) AS text, $1 AS source, line, CAST(basis AS VARCHAR) AS time_basis
                FROM batch
            """,
        )

    def result(self, seconds: float) -> IngestResult:
        return IngestResult(
            source=self.source,
            counts=self.counts,
            stored=dict(self.stored),
            untimed=self.untimed,
            time_basis=self.basis.describe() if self.basis else "",
            seconds=seconds,
        )


# Times a report may carry: AIS began in the 1990s; anything past 2100 is a broken clock or a bad tag block.
_TIME_MIN, _TIME_MAX = 315_532_800.0, 4_102_444_800.0  # 1980-01-01, 2100-01-01 (UNIX seconds)
_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _plausible_time(seconds: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        return np.isfinite(seconds) & (seconds >= _TIME_MIN) & (seconds < _TIME_MAX)


def _days_in_month(year: npt.NDArray[np.int64], month: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Days in each (year, month); month outside 1..12 gives 0, so no day fits."""
    valid = (month >= 1) & (month <= 12)
    days = np.where(valid, _DAYS[np.clip(month, 1, 12) - 1], 0)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return np.where(valid & (month == 2) & leap, 29, days)


def _utc_seconds(columns: Mapping[str, Column]) -> npt.NDArray[np.float64]:
    """The UTC a base-station report (type 4/11) carries, as UNIX seconds; NaN where not available or no date.

    Year 0, month 0, day 0, hour 24, minute 60 and second 60 mean "not available"; a day past the end of
    its month is no date.
    """
    parts = {n: np.asarray(columns[n].values) for n in ("year", "month", "day", "hour", "minute", "second")}
    ok = (parts["year"] >= 1) & columns["year"].present
    for name, low, high in (("month", 1, 12), ("day", 1, 31), ("hour", 0, 23), ("minute", 0, 59), ("second", 0, 59)):
        ok &= (parts[name] >= low) & (parts[name] <= high) & columns[name].present
    ok &= parts["day"] <= _days_in_month(parts["year"], parts["month"])
    years = np.where(ok, parts["year"], 1970) - 1970
    months = years.astype("datetime64[Y]").astype("datetime64[M]") + (np.where(ok, parts["month"], 1) - 1)
    days = months.astype("datetime64[D]") + (np.where(ok, parts["day"], 1) - 1)
    seconds = days.astype(np.int64) * 86400 + parts["hour"] * 3600 + parts["minute"] * 60 + parts["second"]
    return np.where(ok, seconds.astype(np.float64), np.nan)


def _clock_seconds(columns: Mapping[str, Column], utc: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The station's UTC where it may time other reports: only years 2000-2100 (else a broken clock)."""
    year = np.asarray(columns["year"].values)
    return np.where((year >= _CLOCK_YEARS[0]) & (year <= _CLOCK_YEARS[1]), utc, np.nan)


def _object_column(column: Column | None, count: int) -> npt.NDArray[Any]:
    """A nullable column as a numpy object array (None where the field was absent)."""
    if column is None:
        return np.full(count, None, dtype=object)
    values = np.empty(count, dtype=object)
    values[:] = column.values if isinstance(column.values, list) else column.values.tolist()
    values[~column.present] = None
    return values


def _scalar(con: Any, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_lines(path: Path) -> list[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    data = gzip.decompress(path.read_bytes()) if magic == b"\x1f\x8b" else path.read_bytes()
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


Progress = Callable[[int, int], None]


def ingest_file(
    store: PositionStore,
    path: Path,
    *,
    on_progress: Progress | None = None,
    batch_lines: int = BATCH_LINES,
    basis: TimeBasis | None = None,
    time_from_file_mtime: bool = False,
) -> IngestResult:
    """Ingest one file; resumes from its checkpoint and adds nothing when it was ingested in full before.

    Reports without a time of their own are stored with an unknown time, unless ``basis`` names one
    or ``time_from_file_mtime`` asks for the file's modification time; the basis is in the result.
    """
    started = time.perf_counter()
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    if time_from_file_mtime:
        if basis is not None:
            raise InvalidInput("give one time basis: an assumed start or the file's modification time")
        basis = TimeBasis("file-mtime", path.stat().st_mtime)
    digest = _file_digest(path)
    checkpoint = store.checkpoint(digest)
    try:
        lines = _read_lines(path)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc})") from exc
    if not any(b"VDM" in line or b"VDO" in line for line in lines):  # not one AIS sentence, not even a broken one
        store.drop_checkpoint(digest)
        raise _no_ais(path, len(lines))
    ingestor = AisIngestor(store, source=path.name, basis=basis)
    if checkpoint.get("complete"):
        result = ingestor.result(time.perf_counter() - started)
        result.already_complete = True
        result.counts.lines = len(lines)
        return result
    start = int(checkpoint.get("line", 0))
    if start:
        if checkpoint.get("basis") != (basis.describe() if basis else ""):
            was = checkpoint.get("basis") or "none"
            raise InvalidInput(f"{path}: an interrupted ingest of this file used time basis {was}; resume with it")
        ingestor.restore(checkpoint.get("state", {}))
    total = len(lines)
    if on_progress:
        on_progress(start, total)
    for offset in range(start, total, batch_lines):
        chunk = lines[offset : offset + batch_lines]
        ingestor.feed(chunk, first_line=offset + 1)
        done = offset + len(chunk)
        complete = done >= total
        if complete:
            ingestor.finish()
            if not ingestor.records_seen:  # "VDM" or "VDO" in other text: still no AIS record
                store.drop_checkpoint(digest)
                raise _no_ais(path, total)
        store.save_checkpoint(
            digest,
            line=done,
            complete=complete,
            source=str(path),
            state=ingestor.state(),
            basis=basis.describe() if basis else "",
        )
        if on_progress:
            on_progress(done, total)
    result = ingestor.result(time.perf_counter() - started)
    result.resumed_from_line = start
    result.report_path = str(store.save_report(result.as_dict()))
    return result


def _no_ais(path: Path, lines: int) -> InvalidInput:
    if not lines:
        return InvalidInput(f"{path}: empty: no AIS NMEA to ingest; nothing stored, nothing recorded as ingested")
    return InvalidInput(
        f"{path}: no AIS NMEA sentence (!AIVDM/!AIVDO) in {lines:,} line{'s' if lines != 1 else ''}; "
        "nothing stored, nothing recorded as ingested"
    )


def parse_stream_url(url: str) -> tuple[str, str, int]:
    """``tcp://host:port`` or ``udp://host:port`` -> (scheme, host, port)."""
    scheme, _, rest = url.partition("://")
    host, _, port_text = rest.rpartition(":")
    if scheme not in ("tcp", "udp") or not host or not port_text.isdigit():
        raise InvalidInput(f"{url}: expected tcp://HOST:PORT or udp://HOST:PORT")
    return scheme, host.strip("[]"), int(port_text)


def _stream_chunks(url: str, max_seconds: float, on_open: Callable[[], None] | None) -> Iterator[list[bytes]]:
    scheme, host, port = parse_stream_url(url)
    deadline = time.monotonic() + max_seconds
    if scheme == "tcp":
        try:
            sock = socket.create_connection((host, port), timeout=5)
        except OSError as exc:
            raise InvalidInput(f"{url}: cannot connect ({exc})") from exc
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise InvalidInput(f"{url}: cannot listen ({exc})") from exc
    if on_open:
        on_open()
    pending = b""
    try:
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sock], [], [], min(left, 0.25))
            if not ready:
                if pending and scheme == "udp":
                    yield [pending]
                    pending = b""
                continue
            data = sock.recv(65536) if scheme == "tcp" else sock.recvfrom(65536)[0]
            if not data and scheme == "tcp":
                break
            parts = (pending + data).split(b"\n")
            pending = parts.pop()
            if scheme == "udp" and pending:  # a datagram carries whole sentences
                parts.append(pending)
                pending = b""
            if parts:
                yield [p.rstrip(b"\r") for p in parts]
        if pending:
            yield [pending]
    finally:
        sock.close()


def ingest_stream(
    store: PositionStore,
    url: str,
    *,
    max_seconds: float,
    on_progress: Progress | None = None,
    batch_lines: int = 5000,
    flush_seconds: float = 1.0,
    on_open: Callable[[], None] | None = None,
) -> IngestResult:
    """Read a TCP or UDP NMEA stream for up to ``max_seconds`` (or until a TCP peer closes).

    ``on_open`` is called once the connection is made or the UDP port is bound: what arrives from then on is read.
    """
    started = time.perf_counter()
    ingestor = AisIngestor(store, source=url, basis=TimeBasis("received", time.time()))
    buffer: list[bytes] = []
    line_no = 1
    last_flush = time.monotonic()
    for chunk in _stream_chunks(url, max_seconds, on_open):
        buffer.extend(chunk)
        if len(buffer) >= batch_lines or time.monotonic() - last_flush >= flush_seconds:
            ingestor.basis = TimeBasis("received", time.time())
            ingestor.feed(buffer, first_line=line_no)
            line_no += len(buffer)
            buffer = []
            last_flush = time.monotonic()
            if on_progress:
                on_progress(line_no - 1, 0)
    if buffer:
        ingestor.basis = TimeBasis("received", time.time())
        ingestor.feed(buffer, first_line=line_no)
        line_no += len(buffer)
    ingestor.finish()
    if on_progress:
        on_progress(line_no - 1, 0)
    result = ingestor.result(time.perf_counter() - started)
    result.report_path = str(store.save_report(result.as_dict()))
    return result
