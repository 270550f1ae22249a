"""The AIS store: DuckDB over date-partitioned Parquet under ``<data_dir>/maritime``, with a checksum manifest.

Layout: one dataset per kind of report, each ``<kind>/date=YYYY-MM-DD/*.parquet`` (reports of unknown
time under ``date=__HIVE_DEFAULT_PARTITION__``): ``positions`` (vessels' position reports),
``static`` (static and voyage reports: names, call signs, IMO numbers), ``stations`` (base-station
reports and UTC/date responses: position and the station's UTC), ``sar`` (SAR aircraft positions),
``aids`` (aids to navigation) and ``safety`` (safety-related text messages, addressed and broadcast);
``manifest.json`` (the SHA-256, size and rows of every Parquet file, recorded when it is written);
``ingest/*.json`` (one report per ingest, and per-file checkpoints for resuming).

Every read checks the files against the manifest cheaply (a recorded file missing or of another size
stops it); a detector run checks every checksum first (:meth:`PositionStore.verified`), so that no
event is found or withdrawn on damaged data. A file DuckDB cannot read is named in a
:class:`StoreDamaged` error, never a bare DuckDB traceback.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mitra.foundation.errors import MitraError

if TYPE_CHECKING:
    from mitra.settings import Settings

# ``ts`` is NULL for a report of unknown time; ``time_basis`` says what a time rests on (see ``ingest``).
POSITION_COLUMNS = (
    "mmsi BIGINT, ts TIMESTAMP, lat DOUBLE, lon DOUBLE, sog DOUBLE, cog DOUBLE, heading INTEGER, "
    "status INTEGER, msg_type INTEGER, source VARCHAR, line BIGINT, time_basis VARCHAR"
)
STATIC_COLUMNS = (
    "mmsi BIGINT, ts TIMESTAMP, msg_type INTEGER, imo BIGINT, name VARCHAR, callsign VARCHAR, ship_type INTEGER, "
    "length INTEGER, beam INTEGER, draught DOUBLE, destination VARCHAR, source VARCHAR, line BIGINT, "
    "time_basis VARCHAR"
)
# ``station_time``: the UTC the station reports (NULL when it says "not available" or gives no real date).
STATION_COLUMNS = (
    "mmsi BIGINT, ts TIMESTAMP, msg_type INTEGER, station_time TIMESTAMP, lat DOUBLE, lon DOUBLE, "
    "accuracy BOOLEAN, epfd INTEGER, raim BOOLEAN, source VARCHAR, line BIGINT, time_basis VARCHAR"
)
# ``alt`` metres (4094: 4094 or more), ``sog`` whole knots (1022: 1022 or more); NULL when not available.
SAR_COLUMNS = (
    "mmsi BIGINT, ts TIMESTAMP, lat DOUBLE, lon DOUBLE, alt INTEGER, sog DOUBLE, cog DOUBLE, accuracy BOOLEAN, "
    "dte BOOLEAN, assigned BOOLEAN, raim BOOLEAN, msg_type INTEGER, source VARCHAR, line BIGINT, time_basis VARCHAR"
)
# ``name``: the name and its extension; ``aid_type`` the raw ITU code (0-31); ``second`` the raw UTC second
# (60 not available, 61-63 the positioning system's state), on which ``off_position`` depends.
AID_COLUMNS = (
    "mmsi BIGINT, ts TIMESTAMP, msg_type INTEGER, aid_type INTEGER, name VARCHAR, lat DOUBLE, lon DOUBLE, "
    "accuracy BOOLEAN, virtual_aid BOOLEAN, off_position BOOLEAN, assigned BOOLEAN, raim BOOLEAN, epfd INTEGER, "
    "second INTEGER, to_bow INTEGER, to_stern INTEGER, to_port INTEGER, to_starboard INTEGER, source VARCHAR, "
    "line BIGINT, time_basis VARCHAR"
)
# Type 12 is addressed (``dest_mmsi``, ``seqno``, ``retransmit``); type 14 is broadcast (those NULL).
SAFETY_COLUMNS = (
    "mmsi BIGINT, ts TIMESTAMP, msg_type INTEGER, addressed BOOLEAN, dest_mmsi BIGINT, seqno INTEGER, "
    "retransmit BOOLEAN, text VARCHAR, source VARCHAR, line BIGINT, time_basis VARCHAR"
)
# Dataset (folder and view name) -> its columns. ``sar`` is never part of ``positions``: an aircraft is no vessel.
DATASETS: dict[str, str] = {
    "positions": POSITION_COLUMNS,
    "static": STATIC_COLUMNS,
    "stations": STATION_COLUMNS,
    "sar": SAR_COLUMNS,
    "aids": AID_COLUMNS,
    "safety": SAFETY_COLUMNS,
}
MANIFEST_NAME = "manifest.json"
_BEFORE_TIME_BASIS = ("positions", "static")  # datasets that may hold files written before time_basis was
_NOT_KEPT = ("source", "line", "time_basis")  # where a report came from, not what it says


def report_columns(dataset: str) -> tuple[str, ...]:
    """The columns of a dataset that are the report itself: two reports are the same when all of these are."""
    return tuple(c.split()[0] for c in DATASETS[dataset].split(", ") if c.split()[0] not in _NOT_KEPT)


class StoreDamaged(MitraError):
    """A Parquet file of the AIS store is missing, changed, truncated or unreadable (the message names it)."""

    status = 500
    title = "Stored AIS data damaged"


@dataclass(frozen=True)
class FileCheck:
    """One file checked against the manifest.

    ``state``: ``ok``, ``checksum differs`` (same size), ``size differs`` (truncated or grown),
    ``missing`` (recorded, not on disk) or ``not recorded`` (on disk, no checksum recorded). For a file
    not as recorded, ``rows`` is how many rows a full read of every column gave, None when it cannot be
    read (``error`` says why); ``recorded_rows`` is what the manifest says.
    """

    path: str
    state: str
    expected_sha256: str | None = None
    actual_sha256: str | None = None
    expected_bytes: int | None = None
    actual_bytes: int | None = None
    recorded_rows: int | None = None
    rows: int | None = None
    error: str = ""

    @property
    def damaged(self) -> bool:
        return self.state not in ("ok", "not recorded")

    def describe(self) -> str:
        """One line for a person: what is wrong, expected against actual, and whether the rows can be read."""
        if self.state == "ok":
            return f"{self.path}: ok ({self.actual_bytes:,} bytes, {self.rows:,} rows)"
        if self.state == "missing":
            return (
                f"{self.path}: missing (recorded: sha256 {self.expected_sha256}, {self.expected_bytes:,} bytes, "
                f"{self.recorded_rows:,} rows)"
            )
        readable = f"rows readable: {self.rows:,}" if self.rows is not None else f"rows not readable ({self.error})"
        if self.state == "not recorded":
            return (
                f"{self.path}: not recorded (no checksum was kept for it: written before checksums were, or by "
                f"an ingest interrupted before it recorded the file; sha256 now {self.actual_sha256}, "
                f"{self.actual_bytes:,} bytes); {readable}"
            )
        return (
            f"{self.path}: {self.state} (expected sha256 {self.expected_sha256}, {self.expected_bytes:,} bytes, "
            f"{self.recorded_rows:,} rows; actual sha256 {self.actual_sha256}, {self.actual_bytes:,} bytes); "
            f"{readable}" + (" (values may be damaged)" if self.rows is not None else "")
        )


@dataclass(frozen=True)
class StoreCheck:
    """Every Parquet file of the store checked against the manifest."""

    files: list[FileCheck]

    @property
    def damaged(self) -> list[FileCheck]:
        return [f for f in self.files if f.damaged]

    @property
    def unrecorded(self) -> list[FileCheck]:
        return [f for f in self.files if f.state == "not recorded"]

    @property
    def intact(self) -> bool:
        """Every file on disk is recorded and matches its checksum: what a detector run needs."""
        return all(f.state == "ok" for f in self.files)


def _iso(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _time_range(reader: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """The file's first and last report time (naive UTC, ISO) and how many reports have none, for the manifest."""
    try:
        row = reader.execute(
            "SELECT strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%f'), strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%f'), "
            "count(*) FILTER (WHERE ts IS NULL) FROM read_parquet(?, hive_partitioning = false)",
            [str(path)],
        ).fetchone()
    except duckdb.Error:
        return {}  # no ts column: the file is read by every ingest
    if row is None:
        return {}
    return {"ts_min": row[0], "ts_max": row[1], "ts_nulls": int(row[2])}


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _sql_list(files: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of a query, each as column -> value, times as ISO text in UTC."""
    names = [d[0] for d in cursor.description or ()]
    return [
        {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


class PositionStore:
    """Positions and the other reports AIS carries; every read is a DuckDB query over the Parquet files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.positions_dir = root / "positions"
        self.static_dir = root / "static"
        self.reports_dir = root / "ingest"
        self.manifest_path = root / MANIFEST_NAME
        self._held = threading.local()  # how deep this thread holds the store's lock (see _manifest_lock)

    @classmethod
    def for_settings(cls, settings: Settings) -> PositionStore:
        return cls(settings.data_dir / "maritime")

    def dataset_dir(self, dataset: str) -> Path:
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
        return self.root / dataset

    # ----- the manifest ------------------------------------------------------------------------

    def data_files(self) -> list[Path]:
        """Every Parquet file a read takes in (``<dataset>/date=*/*.parquet``), in path order."""
        return sorted(f for name in DATASETS for f in (self.root / name).glob("date=*/*.parquet"))

    def relative(self, path: Path) -> str:
        """A data file's name in the manifest: its path under the root, with ``/``."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.resolve().relative_to(self.root.resolve()).as_posix()

    def manifest(self) -> dict[str, dict[str, Any]]:
        """Recorded files (path relative to the root -> sha256, bytes, rows, recorded_at, how); empty if none."""
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreDamaged(f"{self.manifest_path}: cannot be read ({exc})") from exc
        try:
            body = json.loads(text)
            files = body["files"]
            if not isinstance(files, dict):
                raise TypeError("files is not an object")
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreDamaged(f"{self.manifest_path}: not a manifest of this store ({exc})") from exc
        return files

    @contextmanager
    def _manifest_lock(self, *, shared: bool = False) -> Iterator[None]:
        """The store's lock: exclusive while files are written and recorded, shared while they are checked.

        So a check never sees a file written and not yet recorded, and two writers (two ingests, an ingest
        and ``verify --record``) never lose each other's entries. Re-entrant within a thread.
        """
        depth = getattr(self._held, "depth", 0)
        if depth:
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth = depth
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / f".{MANIFEST_NAME}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            self._held.depth = 1
            try:
                yield
            finally:
                self._held.depth = 0
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's lock while Parquet files are written and then recorded (:meth:`record_files`)."""
        with self._manifest_lock():
            yield

    def record_files(self, paths: Iterable[Path], *, how: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Record each file's SHA-256, size and rows in the manifest (atomically: all or none).

        The files are synced to disk first, so that a recorded file is never one a crash can still cut short.
        ``con``: a DuckDB connection to read the files' row counts with (else a new one).
        """
        entries: dict[str, dict[str, Any]] = {}
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        with nullcontext(con) if con is not None else duckdb.connect() as reader:
            for path in paths:
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
                meta = reader.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]).fetchone()
                entries[self.relative(path)] = {
                    "sha256": file_sha256(path),
                    "bytes": path.stat().st_size,
                    "rows": int(meta[0]) if meta and meta[0] is not None else 0,
                    "recorded_at": now,
                    "how": how,
                    **_time_range(reader, path),
                }
        if not entries:
            return
        with self._manifest_lock():
            files = self.manifest()
            files.update(entries)
            temp = self.manifest_path.with_name(f".{MANIFEST_NAME}.tmp")
            with temp.open("w", encoding="utf-8") as handle:
                json.dump({"format": 1, "files": dict(sorted(files.items()))}, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            temp.replace(self.manifest_path)

    def _quick_check(self) -> list[Path]:
        """The files to read; a recorded file missing or of another size than recorded stops the read."""
        files = self.data_files()
        on_disk = {self.relative(f): f for f in files}
        for name, entry in sorted(self.manifest().items()):
            path = on_disk.get(name)
            if path is None:
                raise StoreDamaged(f"{name}: recorded in {MANIFEST_NAME} but missing; see `mitra ais verify`")
            size = path.stat().st_size
            if size != entry.get("bytes"):
                raise StoreDamaged(
                    f"{name}: {size:,} bytes, {entry.get('bytes'):,} recorded (truncated or changed); "
                    "see `mitra ais verify`"
                )
        return files

    def _overlapping(self, files: list[Path], low: datetime, high: datetime) -> list[Path]:
        recorded = self.manifest()
        kept = []
        for path in files:
            entry = recorded.get(self.relative(path), {})
            first, last = entry.get("ts_min"), entry.get("ts_max")
            if entry.get("ts_nulls", 1) or not isinstance(first, str) or not isinstance(last, str):
                kept.append(path)  # reports of no time, or times not recorded: it is read
            elif datetime.fromisoformat(first) <= high and datetime.fromisoformat(last) >= low:
                kept.append(path)
        return kept

    def _readable_rows(self, path: Path) -> tuple[int | None, str]:
        """Rows of a full read of every column of the file, or None and why it cannot be read."""
        try:
            with duckdb.connect() as con:
                row = con.execute(
                    "SELECT count(*), min(COLUMNS(*)) FROM read_parquet(?, hive_partitioning = false)", [str(path)]
                ).fetchone()
        except duckdb.Error as exc:
            return None, _first_line(exc)
        return (int(row[0]) if row else 0), ""

    def check(self) -> StoreCheck:
        """Every file on disk and in the manifest: checksum, size and, for each one not as recorded, its rows."""
        with self._manifest_lock(shared=True):  # no ingest between writing a file and recording it
            recorded = self.manifest()
            on_disk = {self.relative(f): f for f in self.data_files()}
        out: list[FileCheck] = []
        for name in sorted(set(recorded) | set(on_disk)):
            entry = recorded.get(name) or {}
            path = on_disk.get(name)
            was = FileCheck(
                name,
                "missing",
                expected_sha256=entry.get("sha256"),
                expected_bytes=entry.get("bytes"),
                recorded_rows=entry.get("rows"),
            )
            if path is None:
                out.append(was)
                continue
            actual = replace(was, actual_sha256=file_sha256(path), actual_bytes=path.stat().st_size)
            if entry and actual.actual_sha256 == entry.get("sha256") and actual.actual_bytes == entry.get("bytes"):
                out.append(replace(actual, state="ok", rows=entry.get("rows")))
                continue
            rows, error = self._readable_rows(path)
            if not entry:
                state = "not recorded"
            elif actual.actual_bytes != entry.get("bytes"):
                state = "size differs"
            else:
                state = "checksum differs"
            out.append(replace(actual, state=state, rows=rows, error=error))
        return StoreCheck(out)

    def record_unrecorded(self) -> tuple[list[FileCheck], list[FileCheck]]:
        """``verify --record``: record each file not recorded that reads in full, as it is now.

        Returns (recorded, refused): a file that cannot be read is not recorded. A recorded file whose
        checksum differs is never re-recorded here: that is damage, to restore from a backup.
        """
        unrecorded = self.check().unrecorded
        readable = [f for f in unrecorded if f.rows is not None]
        self.record_files((self.root / f.path for f in readable), how="recorded as found (mitra ais verify --record)")
        return readable, [f for f in unrecorded if f.rows is None]

    def require_intact(self) -> list[Path]:
        """Every file checked in full (what a detector run needs); :class:`StoreDamaged` naming any that is not."""
        result = self.check()
        if result.intact:
            return [self.root / f.path for f in result.files]
        bad = [f for f in result.files if f.state != "ok"]
        first = bad[0].describe()
        more = f" (and {len(bad) - 1} more file{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
        hint = (
            "check them with `mitra ais verify`; record files found as they are with `mitra ais verify --record`"
            if all(f.state == "not recorded" for f in bad)
            else "see `mitra ais verify`; restore the file from a backup"
        )
        raise StoreDamaged(f"AIS store not intact: {first}{more}; {hint}")

    # ----- DuckDB -------------------------------------------------------------------------

    def _connect(self, files: list[Path], datasets: Iterable[str] = DATASETS) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            for name in datasets:
                mine = [f for f in files if f.parent.parent.name == name]
                if mine:
                    source = f"read_parquet({_sql_list(mine)}, hive_partitioning = true, union_by_name = true)"
                    con.execute(f"CREATE VIEW all_{name} AS SELECT * EXCLUDE (date) FROM {source}")  # noqa: S608 - own paths
                    # files written before reports said what their time rests on (positions and static only)
                    if name in _BEFORE_TIME_BASIS and "time_basis" not in {
                        c[0] for c in con.execute(f"DESCRIBE all_{name}").fetchall()
                    }:
                        con.execute(
                            f"CREATE OR REPLACE VIEW all_{name} AS "  # noqa: S608 - own paths
                            f"SELECT * EXCLUDE (date), NULL::VARCHAR AS time_basis FROM {source}"
                        )
                else:
                    con.execute(f"CREATE TABLE all_{name} ({DATASETS[name]})")
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM all_{name} WHERE ts IS NOT NULL")  # noqa: S608
        except duckdb.Error as exc:
            con.close()
            raise self._damage(exc, files) from exc
        return con

    def _damage(self, exc: duckdb.Error, files: list[Path]) -> Exception:
        """The file behind a DuckDB error, as :class:`StoreDamaged`; the error itself if no file is to blame."""
        message = str(exc)
        named = [f for f in files if str(f) in message or str(f.resolve()) in message]
        for path in named or files:
            rows, error = self._readable_rows(path)
            if rows is None:
                return StoreDamaged(
                    f"{self.relative(path)}: not a readable Parquet file ({error}); see `mitra ais verify`"
                )
        return exc

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB over the Parquet files (empty tables if none), after the quick manifest check.

        Each dataset is a view ``all_<dataset>`` holding every report, and ``<dataset>`` holding those with a
        time (what maps, tracks and detectors read): ``positions``, ``static``, ``stations``, ``sar``,
        ``aids``, ``safety``. Prefer :meth:`reading`, which names a file DuckDB fails to read.
        """
        return self._connect(self._quick_check())

    @contextmanager
    def reading(
        self,
        *,
        verified: bool = False,
        datasets: Iterable[str] = DATASETS,
        overlapping: tuple[datetime, datetime] | None = None,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection (see :meth:`connect`) whose DuckDB errors over a damaged file become :class:`StoreDamaged`.

        ``verified``: every checksum is checked first and only the files checked are read (a detector run).
        ``datasets``: the views to make (all by default).
        ``overlapping``: only the files that may hold a report timed between these two (naive UTC) times, or of
        no time (by the times the manifest recorded of each file; a file recorded without them is read): what an
        ingest compares a batch with, so that a live feed's thousandth file costs it no more than its tenth.
        """
        files = self.require_intact() if verified else self._quick_check()
        if overlapping is not None:
            files = self._overlapping(files, *overlapping)
        con = self._connect(files, datasets)
        try:
            yield con
        except duckdb.Error as exc:
            raise self._damage(exc, files) from exc
        finally:
            con.close()

    def _scalar(self, sql: str) -> int:
        with self.reading() as con:
            row = con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def untimed_counts(self) -> tuple[int, int]:
        """How many position and static reports are held with an unknown time (no map or detector uses them)."""
        with self.reading() as con:
            positions = con.execute("SELECT count(*) FROM all_positions WHERE ts IS NULL").fetchone()
            static = con.execute("SELECT count(*) FROM all_static WHERE ts IS NULL").fetchone()
        return (int(positions[0]) if positions else 0, int(static[0]) if static else 0)

    def count_positions(self, *, with_unknown_time: bool = False) -> int:
        """Positions held with a time (what maps and detectors use), or with ``with_unknown_time`` all of them."""
        table = "all_positions" if with_unknown_time else "positions"
        return self._scalar(f"SELECT count(*) FROM {table}")  # noqa: S608 - one of two names

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per dataset: (reports held, of them with an unknown time)."""
        with self.reading() as con:
            out: dict[str, tuple[int, int]] = {}
            for name in DATASETS:
                row = con.execute(f"SELECT count(*), count(*) FILTER (WHERE ts IS NULL) FROM all_{name}").fetchone()  # noqa: S608
                out[name] = (int(row[0]), int(row[1])) if row else (0, 0)
        return out

    # ----- reads for the map and the API ---------------------------------------------------

    def latest_positions(
        self, *, since: datetime | None = None, until: datetime | None = None, limit: int = 5000
    ) -> list[dict[str, Any]]:
        """The last position of each vessel in the window, newest first, with its latest known name."""
        with self.reading() as con:
            rows = con.execute(
                """
                WITH latest_fix AS (
                    SELECT mmsi, arg_max(lat, ts) AS lat, arg_max(lon, ts) AS lon, arg_max(sog, ts) AS sog,
                           arg_max(cog, ts) AS cog, max(ts) AS seen_at
                    FROM positions
                    WHERE ($1::TIMESTAMP IS NULL OR ts >= $1) AND ($2::TIMESTAMP IS NULL OR ts <= $2)
                    GROUP BY mmsi
                ), names AS (
                    SELECT mmsi, arg_max(name, ts) AS name FROM static WHERE name IS NOT NULL AND name <> ''
                    GROUP BY mmsi
                )
                SELECT latest_fix.mmsi, names.name, lat, lon, sog, cog, seen_at
                FROM latest_fix LEFT JOIN names USING (mmsi)
                ORDER BY seen_at DESC, latest_fix.mmsi LIMIT $3
                """,
                [_naive(since), _naive(until), limit],
            ).fetchall()
        return [
            {"mmsi": int(m), "name": n, "lat": la, "lon": lo, "sog": s, "cog": c, "at": _iso(at)}
            for m, n, la, lo, s, c, at in rows
        ]

    def track(
        self, mmsi: int, *, since: datetime | None = None, until: datetime | None = None, limit: int = 20000
    ) -> list[dict[str, Any]]:
        """One vessel's positions in time order."""
        with self.reading() as con:
            rows = con.execute(
                """
                SELECT lat, lon, sog, ts FROM positions
                WHERE mmsi = $1 AND ($2::TIMESTAMP IS NULL OR ts >= $2) AND ($3::TIMESTAMP IS NULL OR ts <= $3)
                ORDER BY ts LIMIT $4
                """,
                [mmsi, _naive(since), _naive(until), limit],
            ).fetchall()
        return [{"lat": la, "lon": lo, "sog": s, "at": _iso(ts)} for la, lo, s, ts in rows]

    def vessels(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Vessels with their latest identity and identity history (IMO, name, call sign) by MMSI."""
        with self.reading() as con:
            rows = con.execute(
                """
                WITH ident AS (
                    SELECT mmsi, imo, name, callsign, min(ts) AS first_seen, max(ts) AS last_seen
                    FROM (
                        SELECT mmsi, nullif(imo, 0) AS imo, nullif(name, '') AS name,
                               nullif(callsign, '') AS callsign, ts
                        FROM static WHERE msg_type = 5
                    )
                    GROUP BY ALL
                ), seen AS (
                    SELECT mmsi, count(*) AS positions, max(ts) AS last_position FROM positions GROUP BY mmsi
                ), latest AS (
                    SELECT mmsi, arg_max(name, ts) FILTER (WHERE name <> '') AS name,
                           arg_max(callsign, ts) FILTER (WHERE callsign <> '') AS callsign,
                           arg_max(nullif(imo, 0), ts) AS imo, arg_max(ship_type, ts) AS ship_type,
                           arg_max(length, ts) AS length, arg_max(beam, ts) AS beam
                    FROM static GROUP BY mmsi
                )
                SELECT coalesce(latest.mmsi, seen.mmsi) AS mmsi, latest.name, latest.callsign, latest.imo,
                       latest.ship_type, latest.length, latest.beam, coalesce(seen.positions, 0), seen.last_position,
                       (SELECT list({'imo': imo, 'name': name, 'callsign': callsign, 'first_seen': first_seen,
                                     'last_seen': last_seen} ORDER BY first_seen)
                        FROM ident WHERE ident.mmsi = coalesce(latest.mmsi, seen.mmsi))
                FROM latest FULL OUTER JOIN seen USING (mmsi)
                ORDER BY seen.last_position DESC NULLS LAST, mmsi LIMIT $1
                """,
                [limit],
            ).fetchall()
        out: list[dict[str, Any]] = []
        for mmsi, name, callsign, imo, ship_type, length, beam, positions, last, history in rows:
            out.append(
                {
                    "mmsi": int(mmsi),
                    "name": name,
                    "callsign": callsign,
                    "imo": imo,
                    "ship_type": ship_type,
                    "length": length,
                    "beam": beam,
                    "positions": int(positions),
                    "last_position": _iso(last) if last else None,
                    "identities": [
                        {
                            "imo": h["imo"],
                            "name": h["name"],
                            "callsign": h["callsign"],
                            "first_seen": _iso(h["first_seen"]),
                            "last_seen": _iso(h["last_seen"]),
                        }
                        for h in history or []
                    ],
                }
            )
        return out

    def _reports(
        self, dataset: str, *, since: datetime | None, until: datetime | None, limit: int, with_unknown_time: bool
    ) -> list[dict[str, Any]]:
        view = f"all_{dataset}" if with_unknown_time else dataset
        with self.reading() as con:
            cursor = con.execute(
                f"""
                SELECT * FROM {view}
                WHERE ($1::TIMESTAMP IS NULL OR ts >= $1) AND ($2::TIMESTAMP IS NULL OR ts <= $2)
                ORDER BY ts NULLS LAST, source, line LIMIT $3
                """,  # noqa: S608 - our own view names
                [_naive(since), _naive(until), limit],
            )
            return _as_dicts(cursor)

    def station_reports(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5000,
        with_unknown_time: bool = False,
    ) -> list[dict[str, Any]]:
        """Base-station reports (type 4) and UTC/date responses (type 11): the station, its position and UTC."""
        return self._reports("stations", since=since, until=until, limit=limit, with_unknown_time=with_unknown_time)

    def sar_positions(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5000,
        with_unknown_time: bool = False,
    ) -> list[dict[str, Any]]:
        """SAR aircraft positions (type 9) in time order: altitude, speed, course. Never among vessel positions."""
        return self._reports("sar", since=since, until=until, limit=limit, with_unknown_time=with_unknown_time)

    def aids_to_navigation(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5000,
        with_unknown_time: bool = False,
    ) -> list[dict[str, Any]]:
        """Aid-to-navigation reports (type 21): name, type, position, whether virtual or off position."""
        return self._reports("aids", since=since, until=until, limit=limit, with_unknown_time=with_unknown_time)

    def safety_messages(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5000,
        with_unknown_time: bool = False,
    ) -> list[dict[str, Any]]:
        """Safety-related text messages: addressed (type 12, with the addressee) and broadcast (type 14)."""
        return self._reports("safety", since=since, until=until, limit=limit, with_unknown_time=with_unknown_time)

    def latest_of_each(
        self, dataset: str, *, since: datetime | None, until: datetime | None, with_unknown_time: bool
    ) -> list[dict[str, Any]]:
        """The latest report of each MMSI of ``stations``, ``sar`` or ``aids`` in the window, by MMSI.

        Each row is the report as stored, with ``reports`` (how many it sent in the window), ``first_ts`` and
        ``static_name`` (its latest name from a static report, None if it never sent one). Latest is the newest
        time; a sender whose reports all have an unknown time (only with ``with_unknown_time``) is given by the
        last of them in (source, line) order, its ``ts`` None.
        """
        if dataset not in ("stations", "sar", "aids"):
            raise ValueError(f"{dataset!r}: the latest of each MMSI is read from stations, sar or aids")
        view = f"all_{dataset}" if with_unknown_time else dataset
        with self.reading() as con:
            cursor = con.execute(
                f"""
                WITH ranked AS (
                    SELECT *, count(*) OVER (PARTITION BY mmsi) AS reports,
                           min(ts) OVER (PARTITION BY mmsi) AS first_ts,
                           row_number() OVER (
                               PARTITION BY mmsi ORDER BY ts DESC NULLS LAST, source DESC, line DESC
                           ) AS rank_in_mmsi
                    FROM {view}
                    WHERE ($1::TIMESTAMP IS NULL OR ts >= $1) AND ($2::TIMESTAMP IS NULL OR ts <= $2)
                ), names AS (
                    SELECT mmsi, arg_max(name, ts) AS static_name FROM static WHERE name IS NOT NULL AND name <> ''
                    GROUP BY mmsi
                )
                SELECT ranked.* EXCLUDE (rank_in_mmsi), names.static_name
                FROM ranked LEFT JOIN names USING (mmsi) WHERE rank_in_mmsi = 1 ORDER BY mmsi
                """,  # noqa: S608 - our own view names
                [_naive(since), _naive(until)],
            )
            return _as_dicts(cursor)

    def safety_messages_named(
        self, *, since: datetime | None, until: datetime | None, with_unknown_time: bool
    ) -> list[dict[str, Any]]:
        """Every safety message in the window (as stored), with ``sender_name`` and ``dest_name`` where a static
        report names them (else None), in time order, those of unknown time (only with ``with_unknown_time``) last.
        """
        view = "all_safety" if with_unknown_time else "safety"
        with self.reading() as con:
            cursor = con.execute(
                f"""
                WITH names AS (
                    SELECT mmsi, arg_max(name, ts) AS name FROM static WHERE name IS NOT NULL AND name <> ''
                    GROUP BY mmsi
                )
                SELECT message.*, sender.name AS sender_name, addressee.name AS dest_name
                FROM {view} AS message
                LEFT JOIN names AS sender ON sender.mmsi = message.mmsi
                LEFT JOIN names AS addressee ON addressee.mmsi = message.dest_mmsi
                WHERE ($1::TIMESTAMP IS NULL OR ts >= $1) AND ($2::TIMESTAMP IS NULL OR ts <= $2)
                ORDER BY ts NULLS LAST, source, line
                """,  # noqa: S608 - one of two view names
                [_naive(since), _naive(until)],
            )
            return _as_dicts(cursor)

    # ----- ingest reports and checkpoints --------------------------------------------------

    def save_report(self, report: dict[str, Any]) -> Path:
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.reports_dir / f"report-{stamp}.json"
        path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        return path

    def reports(self) -> list[dict[str, Any]]:
        if not self.reports_dir.exists():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.reports_dir.glob("report-*.json"))]

    def checkpoint(self, digest: str) -> dict[str, Any]:
        path = self.reports_dir / f"checkpoint-{digest}.json"
        if not path.exists():
            return {"line": 0, "complete": False}
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def save_checkpoint(
        self,
        digest: str,
        *,
        line: int,
        complete: bool,
        source: str,
        state: dict[str, Any] | None = None,
        basis: str = "",
    ) -> None:
        """Where an ingest of a file is, with the decoder's ``state`` (clock, pending fragments) to resume it."""
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        path = self.reports_dir / f"checkpoint-{digest}.json"
        temp = path.with_suffix(".tmp")
        body = {"line": line, "complete": complete, "source": source, "state": state or {}, "basis": basis}
        temp.write_text(json.dumps(body), encoding="utf-8")
        temp.replace(path)

    def drop_checkpoint(self, digest: str) -> None:
        """Forget an ingest of a file (one that turned out to hold no AIS): a later ingest starts afresh."""
        (self.reports_dir / f"checkpoint-{digest}.json").unlink(missing_ok=True)
