"""Event detection as set-based SQL in DuckDB over the positions; definitions and presets are published in docs.

The positions (mmsi, ts, lat, lon, sog) are read once into a temp table ``pos`` that already carries, for
every position, its rank in its vessel's track (``rn``) and the previous and next position (one window pass,
``PARTITION BY mmsi ORDER BY ts``). Every detector then works on that table without another sort of the
positions: gaps and jumps are filters on it, runs ("islands": speed band, area, port visit) are numbered
among the few matching rows only (``rn - row_number()``), loitering works on hourly aggregates, encounters
and rendezvous on 10-minute aggregates joined by equality on (bucket, grid cell). Distances are
great-circle (haversine, earth radius 6371.0088 km; 1 nm = 1.852 km). "Offshore" is the distance to the
nearest port or anchorage of the ports files (WPI ports, GFW anchorages) searched in the surrounding grid
cells (1 degree of latitude by 2 of longitude either side; port visits: 0.1 degree cells, i.e. ports within
about 11 km of latitude and 11 km x cos(latitude) of longitude); a point with none there counts as 999 nm offshore.
"""

# ruff: noqa: S608 - only numeric thresholds (floats from Thresholds) and our own table names go into SQL text

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mitra.pillars.maritime.ais.segments import EARTH_KM, NM_KM


@dataclass(frozen=True)
class Thresholds:
    """The published parameters of the definitions (see docs/maritime-ais.md)."""

    gap_hours: float = 6.0
    disabling_hours: float = 12.0
    disabling_offshore_nm: float = 50.0
    loiter_speed_kn: float = 2.0
    loiter_offshore_nm: float = 20.0
    loiter_hours: float = 4.0
    encounter_m: float = 500.0
    encounter_hours: float = 2.0
    encounter_speed_kn: float = 2.0
    encounter_port_km: float = 10.0
    rendezvous_m: float = 250.0
    rendezvous_minutes: float = 30.0
    jump_speed_kn: float = 30.0
    jump_min_nm: float = 1.0
    dwell_hours: float = 6.0
    speed_band_kn: tuple[float, float] = (25.0, 60.0)
    speed_band_minutes: float = 30.0
    port_entry_km: float = 3.0
    port_exit_km: float = 4.0
    bucket_minutes: int = 10


DETECTORS = (
    "ais_gap",
    "loitering",
    "encounter",
    "close_rendezvous",
    "impossible_jump",
    "area",
    "speed_band",
    "port_visit",
)
PRESETS: dict[str, tuple[str, ...]] = {
    "all": DETECTORS,
    "gfw": ("ais_gap", "loitering", "encounter", "port_visit"),
    "dark-activity": ("ais_gap", "close_rendezvous", "encounter"),
    "spoofing": ("impossible_jump",),
    "areas": ("area",),
    "speed": ("speed_band",),
    "ports": ("port_visit",),
    # what the live feed's streaming detection runs (ais/stream.py's STREAMED: every detector), recorded as
    # "stream:<type>": the batch run of this preset over the stored positions gives the same events
    "stream": DETECTORS,
}

# The event types each detector writes: a run of a preset can disprove exactly these.
_DETECTOR_EVENTS: dict[str, tuple[str, ...]] = {
    "ais_gap": ("ais_gap", "likely_disabling"),
    "impossible_jump": ("impossible_jump", "identity_conflict"),
    "area": ("area_entry", "area_dwell"),
}


def preset_event_types(preset: str) -> frozenset[str]:
    """Every event type the preset's detectors can find (none for a name that is not a preset)."""
    return frozenset(kind for d in PRESETS.get(preset, ()) for kind in _DETECTOR_EVENTS.get(d, (d,)))


@dataclass(slots=True)
class DetectedEvent:
    """One event as found now; ``end`` is None while it is still open at the end of the data."""

    event_type: str
    mmsi: int
    start: datetime
    end: datetime | None
    lat: float
    lon: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Type, vessel and start; and the area or other vessel where there is one, as one vessel can enter
        two areas, or meet two vessels, at one time (each its own event, kept under its own id)."""
        base = f"{self.event_type}:{self.mmsi}:{self.start.isoformat()}"
        extra = self.details.get("area", self.details.get("other_mmsi"))
        return base if extra is None else f"{base}:{extra}"


_MACROS = f"""
CREATE OR REPLACE MACRO hav_km(lat1, lon1, lat2, lon2) AS
    2 * {EARTH_KM} * asin(sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2)));
"""


def load_ports(con: duckdb.DuckDBPyConnection, ports_dir: Path | None) -> int:
    """Table ``ports(lat, lon, cell_lat, cell_lon)`` from the CSVs in ``ports_dir`` (empty if none)."""
    con.execute("CREATE OR REPLACE TEMP TABLE ports (lat DOUBLE, lon DOUBLE, cell_lat INTEGER, cell_lon INTEGER)")
    files = sorted(ports_dir.glob("*.csv")) if ports_dir and ports_dir.is_dir() else []
    for path in files:
        con.execute(
            """
            INSERT INTO ports
            SELECT latitude, longitude, CAST(floor(latitude) AS INTEGER), CAST(floor(longitude) AS INTEGER)
            FROM read_csv($1, header = true, all_varchar = false)
            WHERE latitude IS NOT NULL AND longitude IS NOT NULL
            """,
            [str(path)],
        )
    # replicated into neighbouring cells so that lookups are equi-joins on the point's own cell
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ports_far AS
        SELECT lat, lon, cell_lat + dy AS cy, cell_lon + dx AS cx
        FROM ports, range(-1, 2) AS a(dy), range(-2, 3) AS b(dx)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ports_near AS
        SELECT lat, lon, CAST(floor(lat * 10) AS INTEGER) + dy AS cy, CAST(floor(lon * 10) AS INTEGER) + dx AS cx
        FROM ports, range(-1, 2) AS a(dy), range(-1, 2) AS b(dx)
        """
    )
    row = con.execute("SELECT count(*) FROM ports").fetchone()
    return int(row[0]) if row else 0


def _offshore_sql(points: str) -> str:
    """SQL giving each row of ``points`` (id, lat, lon) its distance in nm to the nearest port nearby."""
    return f"""
        SELECT p.id, coalesce(min(hav_km(p.lat, p.lon, q.lat, q.lon)) / {NM_KM}, 999.0) AS offshore_nm
        FROM {points} AS p
        LEFT JOIN ports_far AS q
          ON q.cy = CAST(floor(p.lat) AS INTEGER) AND q.cx = CAST(floor(p.lon) AS INTEGER)
        GROUP BY p.id
    """


def _events(rows: Sequence[Sequence[Any]], names: Sequence[str], event_type: str | None = None) -> list[DetectedEvent]:
    """Rows of ([type,] mmsi, start_us, end_us, lat, lon, *details named by ``names``, rounded in SQL).

    Times: microseconds since the epoch; ``fromtimestamp(us / 1e6)`` is exact to the microsecond for any
    time before 2100 (a double carries 2**-21 s there). The cyclic garbage collector is paused while the
    objects are built (it would otherwise rescan the growing list again and again).
    """
    at, make = datetime.fromtimestamp, DetectedEvent
    if event_type is not None:
        rows = [(event_type, *row) for row in rows]
    paused = gc.isenabled()
    gc.disable()
    try:
        return [
            make(
                kind,
                mmsi,
                at(s / 1e6, UTC),
                None if e is None else at(e / 1e6, UTC),
                la,
                lo,
                dict(zip(names, v, strict=True)),
            )
            for kind, mmsi, s, e, la, lo, *v in rows
        ]
    finally:
        if paused:
            gc.enable()


class EventDetector:
    """Runs the chosen detectors over a DuckDB connection that has a ``positions`` relation."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        ports_dir: Path | None = None,
        areas: Mapping[str, BaseGeometry] | None = None,
        thresholds: Thresholds | None = None,
        since: datetime | None = None,
    ) -> None:
        self.con = con
        self.t = thresholds or Thresholds()
        self._pending: set[str] = set()
        self.areas = dict(areas or {})
        self._made: set[str] = set()
        con.execute("SET preserve_insertion_order = false")  # every result below is ordered explicitly
        con.execute(_MACROS)
        self.ports = load_ports(con, ports_dir)
        since_naive = since.astimezone(UTC).replace(tzinfo=None) if since and since.tzinfo else since
        # the one sort of the positions: each row with its rank in the track and its neighbours
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE pos AS
            SELECT mmsi, ts, lat, lon, sog, row_number() OVER w AS rn,
                   lag(ts) OVER w AS prev_ts, lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon,
                   lead(ts) OVER w AS next_ts, lead(lat) OVER w AS next_lat, lead(lon) OVER w AS next_lon
            FROM (
                SELECT mmsi, ts, lat, lon, coalesce(sog, 0.0) AS sog FROM positions
                WHERE $1::TIMESTAMP IS NULL OR ts >= $1
            )
            WINDOW w AS (PARTITION BY mmsi ORDER BY ts, lat, lon)
            """,
            [since_naive],
        )
        row = con.execute("SELECT max(ts), count(*) FROM pos").fetchone()
        self.data_end: datetime | None = row[0] if row else None
        self.positions = int(row[1]) if row else 0

    def run(self, detectors: Sequence[str], on_step: Callable[[str], None] | None = None) -> list[DetectedEvent]:
        """Every detector named, in turn; ``on_step`` hears each one's name as it starts (a progress bar)."""
        found: list[DetectedEvent] = []
        for name in detectors:
            if name not in DETECTORS:
                raise ValueError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
        self._pending = set(detectors)
        for name in detectors:
            if on_step is not None:
                on_step(name)
            if self.positions:
                found.extend(getattr(self, f"detect_{name}")())
            self._pending.discard(name)
        return found

    # ----- detectors ------------------------------------------------------------------------------

    def detect_ais_gap(self) -> list[DetectedEvent]:
        """Gap >= gap_hours between consecutive positions (or until the data's end: open); likely disabling."""
        t = self.t
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE gaps AS
            SELECT row_number() OVER () AS id, mmsi, ts AS start_ts, next_ts AS end_ts, lat, lon, next_lat, next_lon
            FROM pos
            WHERE coalesce(next_ts, $1::TIMESTAMP) - ts >= INTERVAL {int(t.gap_hours * 3600)} SECOND
            """,
            [self.data_end],
        )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE gap_ends AS "
            "SELECT id, lat, lon FROM gaps UNION ALL "
            "SELECT -id, coalesce(next_lat, lat), coalesce(next_lon, lon) FROM gaps"
        )
        rows = self.con.execute(
            f"""
            WITH off AS ({_offshore_sql("gap_ends")})
            SELECT CASE WHEN hours >= {t.disabling_hours} AND off_nm >= {t.disabling_offshore_nm}
                        THEN 'likely_disabling' ELSE 'ais_gap' END,
                   mmsi, epoch_us(start_ts), epoch_us(end_ts), lat, lon, round(hours, 3), round(off_nm, 3),
                   end_ts IS NULL, round(coalesce(hav_km(lat, lon, next_lat, next_lon) / {NM_KM}, 0.0), 3)
            FROM (
                SELECT g.*, least(a.offshore_nm, b.offshore_nm) AS off_nm,
                       epoch(coalesce(end_ts, $1::TIMESTAMP) - start_ts) / 3600.0 AS hours
                FROM gaps g JOIN off a ON a.id = g.id JOIN off b ON b.id = -g.id
            )
            ORDER BY mmsi, start_ts
            """,
            [self.data_end],
        ).fetchall()
        return _events(rows, ("hours", "offshore_nm", "open", "distance_nm"))

    def detect_loitering(self) -> list[DetectedEvent]:
        """Runs of consecutive hours with mean speed < loiter_speed_kn lasting >= loiter_hours, offshore."""
        t = self.t
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE loiters AS
            SELECT row_number() OVER () AS id, mmsi, min(first_ts) AS start_ts, max(last_ts) AS end_ts,
                   avg(lat) AS lat, avg(lon) AS lon, avg(sog) AS mean_sog, count(*) AS hours_count
            FROM (
                SELECT *, h - row_number() OVER (PARTITION BY mmsi ORDER BY h) AS run
                FROM ({self._hourly()}) WHERE sog < {t.loiter_speed_kn}
            )
            GROUP BY mmsi, run
            HAVING epoch(max(last_ts) - min(first_ts)) >= {t.loiter_hours * 3600}
            """
        )
        rows = self.con.execute(
            f"""
            WITH off AS ({_offshore_sql("loiters")})
            SELECT mmsi, epoch_us(start_ts),
                   CASE WHEN end_ts >= $1::TIMESTAMP - INTERVAL 1 HOUR THEN NULL ELSE epoch_us(end_ts) END,
                   lat, lon, round(epoch(end_ts - start_ts) / 3600.0, 3), round(mean_sog, 3), round(offshore_nm, 3)
            FROM loiters JOIN off USING (id)
            WHERE offshore_nm >= {t.loiter_offshore_nm}
            ORDER BY mmsi, start_ts
            """,
            [self.data_end],
        ).fetchall()
        return _events(rows, ("hours", "mean_sog", "offshore_nm"), "loitering")

    def _buckets(self) -> None:
        """Table ``buckets``: per vessel and clock-aligned bucket_minutes, sums and counts (one aggregation)."""
        if "buckets" in self._made:
            return
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE buckets AS
            SELECT mmsi, epoch_us(ts) // {self.t.bucket_minutes * 60_000_000} AS b, sum(lat) AS slat, sum(lon) AS slon,
                   sum(sog) AS ssog, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts
            FROM pos GROUP BY ALL
            """
        )
        self._made.add("buckets")

    def _hourly(self) -> str:
        """SQL of the clock hours of each vessel (mmsi, h, sog, lat, lon: means; first_ts, last_ts)."""
        per_hour = 60 // self.t.bucket_minutes if 60 % self.t.bucket_minutes == 0 else 0
        if per_hour and ("buckets" in self._made or self._pending & {"encounter", "close_rendezvous"}):
            self._buckets()  # the encounter detectors need these anyway: hours are sums of buckets
            return f"""
                SELECT mmsi, b // {per_hour} AS h, sum(ssog) / sum(n) AS sog, sum(slat) / sum(n) AS lat,
                       sum(slon) / sum(n) AS lon, min(first_ts) AS first_ts, max(last_ts) AS last_ts
                FROM buckets GROUP BY ALL
            """
        return """
            SELECT mmsi, epoch_us(ts) // 3600000000 AS h, avg(sog) AS sog, avg(lat) AS lat, avg(lon) AS lon,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM pos GROUP BY ALL
        """

    def _near_pairs(self) -> None:
        """Table ``near_pairs``: two vessels' bucket means within the larger of the pair thresholds.

        An equi-join on (bucket, grid cell): the first vessel's mean is listed in every cell that its
        neighbourhood of that radius touches (one cell for most), the second's in its own cell only.
        The median speed of a bucket is computed afterwards, for the buckets of the pairs found only.
        """
        if "near_pairs" in self._made:
            return
        t = self.t
        self._buckets()
        width = t.bucket_minutes * 60_000_000  # microseconds
        metres = max(t.encounter_m, t.rendezvous_m)
        cell = max(0.05, 4 * metres / 111_195.0)  # degrees
        dlat = metres / 111_195.0 * 1.01 + 1e-9  # degrees of latitude, with a margin
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE near_pairs AS
            WITH cells AS (
                SELECT *, CAST(floor((lat - {dlat}) / {cell}) AS BIGINT) AS y0,
                       CAST(floor((lat + {dlat}) / {cell}) AS BIGINT) AS y1,
                       CAST(floor((lon - dlon) / {cell}) AS BIGINT) AS x0,
                       CAST(floor((lon + dlon) / {cell}) AS BIGINT) AS x1,
                       CAST(floor(lat / {cell}) AS BIGINT) AS cy, CAST(floor(lon / {cell}) AS BIGINT) AS cx
                FROM (
                    SELECT *, {dlat} / greatest(cos(radians(least(abs(lat) + {dlat}, 90.0))), 0.01) AS dlon
                    FROM (SELECT mmsi, b, slat / n AS lat, slon / n AS lon, first_ts, last_ts FROM buckets)
                )
            ), spread AS (  -- at most 2 x 2 cells, except near the poles
                SELECT mmsi, b, lat, lon, first_ts, last_ts, y0 AS cy, x0 AS cx FROM cells WHERE x1 - x0 <= 1
                UNION ALL SELECT mmsi, b, lat, lon, first_ts, last_ts, y1, x0 FROM cells WHERE x1 - x0 <= 1 AND y1 > y0
                UNION ALL SELECT mmsi, b, lat, lon, first_ts, last_ts, y0, x1 FROM cells WHERE x1 - x0 = 1
                UNION ALL SELECT mmsi, b, lat, lon, first_ts, last_ts, y1, x1 FROM cells WHERE x1 - x0 = 1 AND y1 > y0
                UNION ALL SELECT mmsi, b, lat, lon, first_ts, last_ts, ys.y, xs.x
                FROM cells, range(y0, y1 + 1) AS ys(y), range(x0, x1 + 1) AS xs(x) WHERE x1 - x0 > 1
            )
            SELECT p.mmsi AS a, q.mmsi AS b, p.b AS bucket, (p.lat + q.lat) / 2 AS lat, (p.lon + q.lon) / 2 AS lon,
                   least(p.first_ts, q.first_ts) AS first_ts,
                   greatest(p.last_ts, q.last_ts) AS last_ts, hav_km(p.lat, p.lon, q.lat, q.lon) * 1000 AS metres
            FROM spread p JOIN cells q ON p.b = q.b AND p.cy = q.cy AND p.cx = q.cx
            WHERE p.mmsi < q.mmsi AND hav_km(p.lat, p.lon, q.lat, q.lon) * 1000 <= {metres}
            """
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE near_pairs AS
            WITH keys AS (
                SELECT a AS mmsi, bucket AS b FROM near_pairs UNION SELECT b, bucket FROM near_pairs
            ), medians AS (
                SELECT p.mmsi, epoch_us(p.ts) // {width} AS b, median(p.sog) AS sog
                FROM pos p SEMI JOIN keys k ON k.mmsi = p.mmsi AND k.b = epoch_us(p.ts) // {width}
                GROUP BY ALL
            )
            SELECT n.*, (ma.sog + mb.sog) / 2 AS sog
            FROM near_pairs n JOIN medians ma ON ma.mmsi = n.a AND ma.b = n.bucket
            JOIN medians mb ON mb.mmsi = n.b AND mb.b = n.bucket
            """
        )
        self._made.add("near_pairs")

    def _pairs(self, metres: float, min_seconds: float, max_speed: float | None, port_km: float | None) -> list[Any]:
        """Runs of consecutive buckets in which two vessels stay within ``metres`` of each other."""
        minutes = self.t.bucket_minutes
        self._near_pairs()
        speed_filter = f"AND median_sog < {max_speed}" if max_speed is not None else ""
        rows = self.con.execute(
            f"""
            WITH near AS (
                SELECT * FROM near_pairs WHERE metres <= {metres}
            ), runs AS (
                SELECT a, b, epoch_us(min(first_ts)) AS start_us, epoch_us(max(last_ts)) AS end_us, avg(lat) AS lat,
                       avg(lon) AS lon,
                       median(sog) AS median_sog, min(metres) AS min_m, count(*) AS n, max(bucket) AS last_bucket
                FROM (SELECT *, bucket - row_number() OVER (PARTITION BY a, b ORDER BY bucket) AS run FROM near)
                GROUP BY a, b, run
                HAVING count(*) * {minutes * 60} >= {min_seconds}
            )
            SELECT row_number() OVER (ORDER BY a, b, start_us) AS id, * FROM runs WHERE TRUE {speed_filter}
            ORDER BY a, b, start_us
            """
        ).fetchall()
        if port_km is None or not rows:
            return rows
        self.con.execute("CREATE OR REPLACE TEMP TABLE pair_points (id BIGINT, lat DOUBLE, lon DOUBLE)")
        self.con.executemany("INSERT INTO pair_points VALUES (?, ?, ?)", [(r[0], r[5], r[6]) for r in rows])
        far = {int(i) for i, off in self.con.execute(_offshore_sql("pair_points")).fetchall() if off * NM_KM >= port_km}
        return [r for r in rows if int(r[0]) in far]

    def _pair_events(self, rows: list[Any], kind: str) -> list[DetectedEvent]:
        last_bucket = None
        if self.data_end is not None:
            last_bucket = int(self.data_end.replace(tzinfo=UTC).timestamp()) // (self.t.bucket_minutes * 60)
        names = ("other_mmsi", "hours", "median_sog", "min_distance_m")
        out: list[DetectedEvent] = []
        for _id, a, b, start, end, lat, lon, median_sog, min_m, _n, bucket in rows:
            is_open = last_bucket is not None and bucket >= last_bucket
            hours = round((end - start) / 3600e6, 3)
            for mmsi, other in ((a, b), (b, a)):
                values = (
                    mmsi,
                    start,
                    None if is_open else end,
                    lat,
                    lon,
                    int(other),
                    hours,
                    round(median_sog, 3),
                    round(min_m, 3),
                )
                out.extend(_events([values], names, kind))
        return out

    def detect_encounter(self) -> list[DetectedEvent]:
        """Two vessels within encounter_m for >= encounter_hours, median speed < 2 kn, >= 10 km from ports."""
        t = self.t
        rows = self._pairs(t.encounter_m, t.encounter_hours * 3600, t.encounter_speed_kn, t.encounter_port_km)
        return self._pair_events(rows, "encounter")

    def detect_close_rendezvous(self) -> list[DetectedEvent]:
        """Two vessels within rendezvous_m for >= rendezvous_minutes (any speed, anywhere)."""
        t = self.t
        rows = self._pairs(t.rendezvous_m, t.rendezvous_minutes * 60, None, None)
        return self._pair_events(rows, "close_rendezvous")

    def detect_impossible_jump(self) -> list[DetectedEvent]:
        """Implied speed > jump_speed_kn over >= jump_min_nm; a jump there and straight back is an identity conflict."""
        t = self.t
        # necessary for a distance >= jump_min_nm: |dlat| + |dlon| (degrees) >= that distance as an arc
        min_degrees = t.jump_min_nm * NM_KM / (EARTH_KM * math.pi / 180.0) * 0.999
        rows = self.con.execute(
            f"""
            WITH jumps AS (
                SELECT *, hav_km(prev_lat, prev_lon, lat, lon) / {NM_KM} AS nm,
                       greatest(epoch(ts - prev_ts), 1) / 3600.0 AS hours
                FROM pos
                WHERE prev_ts IS NOT NULL AND abs(lat - prev_lat) + abs(lon - prev_lon) >= {min_degrees}
            )
            SELECT CASE WHEN next_lat IS NOT NULL
                         AND hav_km(next_lat, next_lon, prev_lat, prev_lon) / {NM_KM} < nm / 10
                        THEN 'identity_conflict' ELSE 'impossible_jump' END,
                   mmsi, epoch_us(prev_ts), epoch_us(ts), lat, lon, round(nm / hours, 3), round(nm, 3),
                   round(prev_lat, 3), round(prev_lon, 3)
            FROM jumps
            WHERE nm >= {t.jump_min_nm} AND nm / hours > {t.jump_speed_kn}
            ORDER BY mmsi, ts
            """
        ).fetchall()
        return _events(rows, ("implied_kn", "distance_nm", "from_lat", "from_lon"))

    def detect_area(self) -> list[DetectedEvent]:
        """Entry into each area of interest (start = first position inside, end = last before leaving); dwell."""
        out: list[DetectedEvent] = []
        end_us = int(self.data_end.replace(tzinfo=UTC).timestamp() * 1_000_000) if self.data_end else 0
        for name, geometry in sorted(self.areas.items()):
            minx, miny, maxx, maxy = geometry.bounds
            data = self.con.execute(
                "SELECT mmsi, rn, epoch_us(ts) AS us, lat, lon FROM pos "
                "WHERE lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4",
                [miny, maxy, minx, maxx],
            ).fetchnumpy()
            if not len(data["mmsi"]):
                continue
            inside = shapely.contains_xy(geometry, np.asarray(data["lon"]), np.asarray(data["lat"]))
            if not inside.any():
                continue
            self.con.register("area_hits", {key: np.asarray(value)[inside] for key, value in data.items()})
            # a run: positions inside with consecutive ranks in the vessel's track
            rows = self.con.execute(
                """
                SELECT mmsi, min(us), max(us), arg_min(lat, rn), arg_min(lon, rn), $1,
                       round((max(us) - min(us)) / 3600e6, 3), count(*), max(us) = $2 AS still_inside
                FROM (SELECT *, rn - row_number() OVER (PARTITION BY mmsi ORDER BY rn) AS run FROM area_hits)
                GROUP BY mmsi, run ORDER BY mmsi, min(us)
                """,
                [name, end_us],
            ).fetchall()
            self.con.unregister("area_hits")
            names = ("area", "dwell_hours", "positions")
            for *values, still in rows:
                values[2] = None if still else values[2]
                out.extend(_events([values], names, "area_entry"))
                if values[6] >= self.t.dwell_hours:
                    out.extend(_events([values], names, "area_dwell"))
        return out

    def detect_speed_band(self) -> list[DetectedEvent]:
        """Consecutive positions with speed inside the band for >= speed_band_minutes."""
        low, high = self.t.speed_band_kn
        rows = self.con.execute(
            f"""
            SELECT mmsi, epoch_us(min(ts)), epoch_us(max(ts)), arg_min(lat, rn), arg_min(lon, rn),
                   [{low}, {high}]::DOUBLE[], round(max(sog), 3), round(epoch(max(ts) - min(ts)) / 60.0, 3)
            FROM (
                SELECT mmsi, ts, lat, lon, sog, rn, rn - row_number() OVER (PARTITION BY mmsi ORDER BY rn) AS run
                FROM pos WHERE sog >= {low} AND sog <= {high}
            )
            GROUP BY mmsi, run
            HAVING epoch(max(ts) - min(ts)) >= {self.t.speed_band_minutes * 60}
            ORDER BY mmsi, min(ts)
            """
        ).fetchall()
        return _events(rows, ("band_kn", "max_sog", "minutes"), "speed_band")

    def detect_port_visit(self) -> list[DetectedEvent]:
        """Visit: within port_entry_km of a port or anchorage, until farther than port_exit_km (hysteresis)."""
        if not self.ports:
            return []
        t = self.t
        rows = self.con.execute(
            f"""
            WITH near AS (
                SELECT p.mmsi, p.rn, p.ts, p.lat, p.lon, min(hav_km(p.lat, p.lon, q.lat, q.lon)) AS km
                FROM pos p JOIN ports_near q
                  ON q.cy = CAST(floor(p.lat * 10) AS INTEGER) AND q.cx = CAST(floor(p.lon * 10) AS INTEGER)
                WHERE hav_km(p.lat, p.lon, q.lat, q.lon) <= {t.port_exit_km}
                GROUP BY p.mmsi, p.rn, p.ts, p.lat, p.lon
            ), runs AS (
                SELECT *, rn - row_number() OVER (PARTITION BY mmsi ORDER BY rn) AS run FROM near
            )
            SELECT mmsi, epoch_us(min(ts) FILTER (WHERE km <= {t.port_entry_km})) AS start_us,
                   CASE WHEN max(ts) = $1::TIMESTAMP THEN NULL ELSE epoch_us(max(ts)) END,
                   arg_min(lat, rn) FILTER (WHERE km <= {t.port_entry_km}),
                   arg_min(lon, rn) FILTER (WHERE km <= {t.port_entry_km}),
                   round(epoch(max(ts) - min(ts) FILTER (WHERE km <= {t.port_entry_km})) / 3600.0, 3), round(min(km), 3)
            FROM runs GROUP BY mmsi, run
            HAVING min(km) <= {t.port_entry_km}
            ORDER BY mmsi, start_us
            """,
            [self.data_end],
        ).fetchall()
        return _events(rows, ("hours", "min_km"), "port_visit")
