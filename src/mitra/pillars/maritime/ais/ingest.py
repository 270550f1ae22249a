"""AIS ingest: files (plain or gzip), TCP and UDP streams -> framing -> vectorised decode -> Parquet.

Timestamps: a sentence's receiver time (NMEA 4 tag block ``c:``, or the epoch a USCG-style receiver
appends after the checksum) wins; otherwise the UTC clock of the latest base-station report (type 4/11)
seen before it in the stream; otherwise the ingest's fallback clock (the file's modification time, or
the time a stream message arrived).
"""

from __future__ import annotations

import gzip
import hashlib
import math
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.ais.decode import POSITION_TYPES, SIX_BIT, Column, TypeGroup, decode_buffer
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, Framed, IngestCounts, frame_lines
from mitra.pillars.maritime.ais.store import PositionStore

BATCH_LINES = 200_000
_STATIC_TYPES = (5, 19, 24)


@dataclass
class IngestResult:
    source: str
    counts: IngestCounts
    stored_positions: int = 0
    stored_static: int = 0
    duplicates: int = 0
    resumed_from_line: int = 0
    already_complete: bool = False
    seconds: float = 0.0
    report_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stored_positions": self.stored_positions,
            "stored_static": self.stored_static,
            "duplicates": self.duplicates,
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


class AisIngestor:
    """Feeds batches of lines through framing and decoding into the store; keeps the stream's clock."""

    def __init__(self, store: PositionStore, *, source: str, fallback_time: float) -> None:
        self.store = store
        self.source = source
        self.fallback_time = fallback_time
        self.clock = float("nan")
        self.assembler = FragmentAssembler()
        self.counts = IngestCounts()
        self.stored_positions = 0
        self.stored_static = 0
        self.duplicates = 0

    def feed(self, lines: list[bytes], *, first_line: int) -> None:
        framed = frame_lines(lines, first_line=first_line, assembler=self.assembler, counts=self.counts)
        self._store(framed)

    def finish(self) -> None:
        self.assembler.flush(self.counts)

    def _times(self, received: npt.NDArray[np.float64], groups: list[TypeGroup]) -> npt.NDArray[np.float64]:
        times = received
        base = np.full(len(times), np.nan)
        for group in groups:
            if group.msg_type not in (4, 11):
                continue
            cols = group.columns
            year = np.asarray(cols["year"].values)
            ok = (year >= 2000) & (year <= 2100)
            for name, low, high in (("month", 1, 12), ("day", 1, 31), ("hour", 0, 23), ("minute", 0, 59)):
                part = np.asarray(cols[name].values)
                ok &= (part >= low) & (part <= high) & cols[name].present
            second = np.asarray(cols["second"].values)
            ok &= second <= 59
            ok &= np.asarray(cols["day"].values) <= _days_in_month(year, np.asarray(cols["month"].values))
            if not ok.any():
                continue
            stamps = np.array(
                [
                    f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
                    for y, mo, d, h, mi, s in zip(
                        year[ok].tolist(),
                        np.asarray(cols["month"].values)[ok].tolist(),
                        np.asarray(cols["day"].values)[ok].tolist(),
                        np.asarray(cols["hour"].values)[ok].tolist(),
                        np.asarray(cols["minute"].values)[ok].tolist(),
                        second[ok].tolist(),
                        strict=True,
                    )
                ],
                dtype="datetime64[s]",
            )
            base[group.index[ok]] = stamps.astype(np.int64).astype(np.float64)
        known = ~np.isnan(base)
        if known.any():
            index = np.where(known, np.arange(len(base)), -1)
            np.maximum.accumulate(index, out=index)
            before = self.clock if not math.isnan(self.clock) else float(base[np.flatnonzero(known)[0]])
            carried = np.where(index >= 0, base[np.clip(index, 0, None)], before)
            last_known = float(base[np.flatnonzero(known)[-1]])
        else:
            carried = np.full(len(base), self.clock)
            last_known = self.clock
        carried = np.where(np.isnan(carried), self.fallback_time, carried)
        result = np.where(np.isnan(times), carried, times)
        heard = _plausible_time(times)  # a broken receiver time is rejected with its report, not kept as the clock
        if heard.any():
            last_known = max(last_known if not math.isnan(last_known) else -np.inf, float(times[heard][-1]))
        if not math.isnan(last_known):
            self.clock = last_known
        return result

    def _store(self, framed: Framed) -> None:
        buffer, starts, lengths, fills, lines, received = framed.combined()
        groups = decode_buffer(buffer, starts, lengths, fills)
        self.counts.messages += len(starts)
        known = np.zeros(len(starts), dtype=bool)
        for group in groups:
            known[group.index] = True
        types = SIX_BIT[buffer[starts]] if len(starts) else np.zeros(0, dtype=np.int64)
        values, tallies = np.unique(types, return_counts=True)
        for value, count in zip(values.tolist(), tallies.tolist(), strict=True):
            self.counts.by_type[int(value)] += int(count)
        times = self._times(received, groups)
        self._store_positions([g for g in groups if g.msg_type in POSITION_TYPES], times, lines)
        self._store_static([g for g in groups if g.msg_type in _STATIC_TYPES], times, lines)

    def _store_positions(
        self, groups: list[TypeGroup], times: npt.NDArray[np.float64], lines: npt.NDArray[np.int64]
    ) -> None:
        if not groups:
            return
        parts: dict[str, list[Any]] = {k: [] for k in ("mmsi", "ts", "lat", "lon", "sog", "cog", "hdg", "st", "mt")}
        parts["line"] = []
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
            unavailable = (lat == 91.0) | (lon == 181.0) | np.isnan(lat) | np.isnan(lon)
            out_of_range = ~unavailable & ((np.abs(lat) > 90.0) | (np.abs(lon) > 180.0))
            untimed = ~unavailable & ~out_of_range & ~_plausible_time(times[group.index])
            for mask, reason in (
                (unavailable, "position not available"),
                (out_of_range, "coordinates out of range"),
                (untimed, "time out of range"),
            ):
                for line in lines[group.index[mask]].tolist():
                    self.counts.reject(reason, line)
            keep = ~(unavailable | out_of_range | untimed)
            index = group.index[keep]
            parts["mmsi"].append(np.asarray(cols["mmsi"].values)[keep])
            parts["ts"].append((times[index] * 1e6).astype(np.int64))
            parts["lat"].append(lat[keep])
            parts["lon"].append(lon[keep])
            parts["sog"].append(sog[keep])
            parts["cog"].append(cog[keep])
            parts["hdg"].append(heading[keep].astype(np.int64))
            parts["st"].append(status[keep].astype(np.int64))
            parts["mt"].append(np.full(int(keep.sum()), group.msg_type, dtype=np.int64))
            parts["line"].append(lines[index])
        batch = {k: np.concatenate(v) for k, v in parts.items()}
        if not len(batch["mmsi"]):
            return
        stored, dupes = self._write_positions(batch)
        self.stored_positions += stored
        self.duplicates += dupes

    def _write_positions(self, batch: dict[str, npt.NDArray[Any]]) -> tuple[int, int]:
        folder = self.store.positions_dir
        folder.mkdir(parents=True, exist_ok=True)
        con = self.store.connect()
        try:
            con.execute("SET preserve_insertion_order = false")
            con.register("batch", batch)
            con.execute(
                """
                CREATE TEMP TABLE fresh AS
                SELECT DISTINCT ON (mmsi, ts, lat, lon)
                       mmsi, make_timestamp(ts) AS ts, lat, lon, CAST(nullif(sog, 'NaN') AS DOUBLE) AS sog,
                       CAST(nullif(cog, 'NaN') AS DOUBLE) AS cog, CAST(nullif(hdg, -1) AS INTEGER) AS heading,
                       CAST(st AS INTEGER) AS status, CAST(mt AS INTEGER) AS msg_type, $1 AS source, line
                FROM batch
                """,
                [self.source],
            )
            total = len(batch["mmsi"])
            _scalar(con, "SELECT count(*) FROM fresh")
            bounds = con.execute("SELECT min(ts), max(ts) FROM fresh").fetchone()
            if bounds and bounds[0] is not None:
                con.execute(
                    """
                    DELETE FROM fresh USING (
                        SELECT mmsi, ts, lat, lon FROM positions WHERE ts BETWEEN $1 AND $2
                    ) AS held
                    WHERE fresh.mmsi = held.mmsi AND fresh.ts = held.ts AND fresh.lat = held.lat
                      AND fresh.lon = held.lon
                    """,
                    [bounds[0], bounds[1]],
                )
            new = _scalar(con, "SELECT count(*) FROM fresh")
            if new:
                target = str(folder).replace("'", "''")
                con.execute(
                    "COPY (SELECT *, CAST(ts AS DATE) AS date FROM fresh) "  # noqa: S608 - our own path
                    f"TO '{target}' (FORMAT parquet, PARTITION_BY (date), APPEND, FILENAME_PATTERN 'part-{{uuid}}')"
                )
            return new, total - new
        finally:
            con.close()

    def _store_static(
        self, groups: list[TypeGroup], times: npt.NDArray[np.float64], lines: npt.NDArray[np.int64]
    ) -> None:
        names = ("mmsi", "imo", "shipname", "callsign", "ship_type", "draught", "destination")
        parts: dict[str, list[Any]] = {k: [] for k in (*names, "length", "beam", "ts", "mt", "line", "timed")}
        for group in groups:
            cols = group.columns
            count = len(group.index)
            for name in names:
                parts[name].append(_object_column(cols.get(name), count))
            for target, first, second in (("length", "to_bow", "to_stern"), ("beam", "to_port", "to_starboard")):
                a, b = cols.get(first), cols.get(second)
                if a is None or b is None:
                    parts[target].append(np.full(count, None, dtype=object))
                else:
                    total = (np.asarray(a.values) + np.asarray(b.values)).astype(object)
                    total[~(a.present & b.present)] = None
                    parts[target].append(total)
            seconds = times[group.index]
            timed = _plausible_time(seconds)
            parts["timed"].append(timed)
            parts["ts"].append((np.where(timed, seconds, 0.0) * 1e6).astype(np.int64))
            parts["mt"].append(np.full(count, group.msg_type, dtype=np.int64))
            parts["line"].append(lines[group.index])
        if not parts["mmsi"]:
            return
        batch = {k: np.concatenate(v) for k, v in parts.items()}
        timed = batch.pop("timed")
        for line in batch["line"][~timed].tolist():
            self.counts.reject("time out of range", line)
        batch = {k: v[timed] for k, v in batch.items()}
        if not len(batch["mmsi"]):
            return
        folder = self.store.static_dir
        folder.mkdir(parents=True, exist_ok=True)
        con = self.store.connect()
        try:
            con.register("batch", batch)
            con.execute(
                """
                CREATE TEMP TABLE fresh AS
                SELECT DISTINCT ON (mmsi, ts, msg_type, name, callsign) * FROM (
                    SELECT CAST(mmsi AS BIGINT) AS mmsi, make_timestamp(ts) AS ts, CAST(mt AS INTEGER) AS msg_type,
                           CAST(imo AS BIGINT) AS imo, CAST(shipname AS VARCHAR) AS name,
                           CAST(callsign AS VARCHAR) AS callsign, CAST(ship_type AS INTEGER) AS ship_type,
                           CAST(length AS INTEGER) AS length, CAST(beam AS INTEGER) AS beam,
                           CAST(draught AS DOUBLE) AS draught, CAST(destination AS VARCHAR) AS destination,
                           $1 AS source, line
                    FROM batch
                )
                """,
                [self.source],
            )
            con.execute(
                """
                DELETE FROM fresh USING static AS held
                WHERE fresh.mmsi = held.mmsi AND fresh.ts = held.ts AND fresh.msg_type = held.msg_type
                  AND fresh.name IS NOT DISTINCT FROM held.name AND fresh.callsign IS NOT DISTINCT FROM held.callsign
                """
            )
            new = _scalar(con, "SELECT count(*) FROM fresh")
            if new:
                target = str(folder).replace("'", "''")
                con.execute(
                    f"COPY (SELECT *, CAST(ts AS DATE) AS date FROM fresh) TO '{target}' "  # noqa: S608 - own path
                    "(FORMAT parquet, PARTITION_BY (date), APPEND, FILENAME_PATTERN 'part-{uuid}')"
                )
            self.stored_static += new
        finally:
            con.close()

    def result(self, seconds: float) -> IngestResult:
        return IngestResult(
            source=self.source,
            counts=self.counts,
            stored_positions=self.stored_positions,
            stored_static=self.stored_static,
            duplicates=self.duplicates,
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
    store: PositionStore, path: Path, *, on_progress: Progress | None = None, batch_lines: int = BATCH_LINES
) -> IngestResult:
    """Ingest one file; resumes from its checkpoint and adds nothing when it was ingested in full before."""
    started = time.perf_counter()
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    digest = _file_digest(path)
    checkpoint = store.checkpoint(digest)
    try:
        lines = _read_lines(path)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc})") from exc
    ingestor = AisIngestor(store, source=path.name, fallback_time=path.stat().st_mtime)
    if checkpoint.get("complete"):
        result = ingestor.result(time.perf_counter() - started)
        result.already_complete = True
        result.counts.lines = len(lines)
        return result
    start = int(checkpoint.get("line", 0))
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
        store.save_checkpoint(digest, line=done, complete=complete, source=str(path))
        if on_progress:
            on_progress(done, total)
    if total == 0:
        store.save_checkpoint(digest, line=0, complete=True, source=str(path))
    result = ingestor.result(time.perf_counter() - started)
    result.resumed_from_line = start
    result.report_path = str(store.save_report(result.as_dict()))
    return result


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
    ingestor = AisIngestor(store, source=url, fallback_time=time.time())
    buffer: list[bytes] = []
    line_no = 1
    last_flush = time.monotonic()
    for chunk in _stream_chunks(url, max_seconds, on_open):
        buffer.extend(chunk)
        if len(buffer) >= batch_lines or time.monotonic() - last_flush >= flush_seconds:
            ingestor.fallback_time = time.time()
            ingestor.feed(buffer, first_line=line_no)
            line_no += len(buffer)
            buffer = []
            last_flush = time.monotonic()
            if on_progress:
                on_progress(line_no - 1, 0)
    if buffer:
        ingestor.fallback_time = time.time()
        ingestor.feed(buffer, first_line=line_no)
        line_no += len(buffer)
    ingestor.finish()
    if on_progress:
        on_progress(line_no - 1, 0)
    result = ingestor.result(time.perf_counter() - started)
    result.report_path = str(store.save_report(result.as_dict()))
    return result
