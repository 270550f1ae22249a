"""Event detection as set-based SQL in DuckDB over the positions; definitions and presets are published in docs.

Every detector is one query over the ``positions`` relation (mmsi, ts, lat, lon, sog, ...). Distances are
great-circle (haversine, earth radius 6371.0088 km; 1 nm = 1.852 km). "Offshore" is the distance to the
nearest port or anchorage of the ports files (WPI ports, GFW anchorages) searched in the surrounding grid
cells (1 degree of latitude by 2 of longitude either side; port visits: 0.1 degree cells, i.e. ports within
about 11 km of latitude and 11 km x cos(latitude) of longitude); a point with none there counts as 999 nm offshore.
"""

# ruff: noqa: S608 - only numeric thresholds (floats from Thresholds) and our own table names go into SQL text

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

NM_KM = 1.852


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
}


@dataclass
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
        return f"{self.event_type}:{self.mmsi}:{self.start.isoformat()}"


_MACROS = """
CREATE OR REPLACE MACRO hav_km(lat1, lon1, lat2, lon2) AS
    2 * 6371.0088 * asin(sqrt(
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


def _events(rows: Sequence[Sequence[Any]], event_type: str | None = None) -> list[DetectedEvent]:
    out: list[DetectedEvent] = []
    for row in rows:
        kind, mmsi, start, end, lat, lon, details = row if event_type is None else (event_type, *row)
        out.append(
            DetectedEvent(
                event_type=str(kind),
                mmsi=int(mmsi),
                start=start.replace(tzinfo=UTC),
                end=end.replace(tzinfo=UTC) if end is not None else None,
                lat=float(lat),
                lon=float(lon),
                details={k: (round(v, 3) if isinstance(v, float) else v) for k, v in dict(details).items()},
            )
        )
    return out


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
        self.areas = dict(areas or {})
        con.execute(_MACROS)
        self.ports = load_ports(con, ports_dir)
        since_naive = since.astimezone(UTC).replace(tzinfo=None) if since and since.tzinfo else since
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE pos AS
            SELECT mmsi, ts, lat, lon, coalesce(sog, 0.0) AS sog FROM positions
            WHERE $1::TIMESTAMP IS NULL OR ts >= $1
            """,
            [since_naive],
        )
        row = con.execute("SELECT max(ts), count(*) FROM pos").fetchone()
        self.data_end: datetime | None = row[0] if row else None
        self.positions = int(row[1]) if row else 0

    def run(self, detectors: Sequence[str]) -> list[DetectedEvent]:
        found: list[DetectedEvent] = []
        for name in detectors:
            if name not in DETECTORS:
                raise ValueError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
            if self.positions:
                found.extend(getattr(self, f"detect_{name}")())
        return found

    # ----- detectors ------------------------------------------------------------------------------

    def detect_ais_gap(self) -> list[DetectedEvent]:
        """Gap >= gap_hours between consecutive positions (or until the data's end: open); likely disabling."""
        t = self.t
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE gaps AS
            SELECT row_number() OVER () AS id, mmsi, ts AS start_ts, next_ts AS end_ts, lat, lon, next_lat, next_lon
            FROM (
                SELECT mmsi, ts, lat, lon,
                       lead(ts) OVER w AS next_ts, lead(lat) OVER w AS next_lat, lead(lon) OVER w AS next_lon
                FROM pos WINDOW w AS (PARTITION BY mmsi ORDER BY ts)
            )
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
                   mmsi, start_ts, end_ts, lat, lon,
                   {{'hours': hours, 'offshore_nm': off_nm, 'open': end_ts IS NULL,
                     'distance_nm': coalesce(hav_km(lat, lon, next_lat, next_lon) / {NM_KM}, 0.0)}}
            FROM (
                SELECT g.*, least(a.offshore_nm, b.offshore_nm) AS off_nm,
                       epoch(coalesce(end_ts, $1::TIMESTAMP) - start_ts) / 3600.0 AS hours
                FROM gaps g JOIN off a ON a.id = g.id JOIN off b ON b.id = -g.id
            )
            ORDER BY mmsi, start_ts
            """,
            [self.data_end],
        ).fetchall()
        return _events(rows)

    def _buckets(self) -> None:
        minutes = self.t.bucket_minutes
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE buckets AS
            SELECT mmsi, CAST(epoch(ts) // {minutes * 60} AS BIGINT) AS b, avg(lat) AS lat, avg(lon) AS lon,
                   median(sog) AS sog, min(ts) AS first_ts, max(ts) AS last_ts
            FROM pos GROUP BY ALL
            """
        )

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
                FROM (
                    SELECT mmsi, CAST(epoch(ts) // 3600 AS BIGINT) AS h, avg(sog) AS sog, avg(lat) AS lat,
                           avg(lon) AS lon, min(ts) AS first_ts, max(ts) AS last_ts
                    FROM pos GROUP BY ALL
                ) WHERE sog < {t.loiter_speed_kn}
            )
            GROUP BY mmsi, run
            HAVING epoch(max(last_ts) - min(first_ts)) >= {t.loiter_hours * 3600}
            """
        )
        rows = self.con.execute(
            f"""
            WITH off AS ({_offshore_sql("loiters")})
            SELECT mmsi, start_ts, CASE WHEN end_ts >= $1::TIMESTAMP - INTERVAL 1 HOUR THEN NULL ELSE end_ts END,
                   lat, lon, {{'hours': epoch(end_ts - start_ts) / 3600.0, 'mean_sog': mean_sog,
                               'offshore_nm': offshore_nm}}
            FROM loiters JOIN off USING (id)
            WHERE offshore_nm >= {t.loiter_offshore_nm}
            ORDER BY mmsi, start_ts
            """,
            [self.data_end],
        ).fetchall()
        return _events(rows, "loitering")

    def _pairs(self, metres: float, min_seconds: float, max_speed: float | None, port_km: float | None) -> list[Any]:
        """Runs of consecutive buckets in which two vessels stay within ``metres`` of each other."""
        minutes = self.t.bucket_minutes
        cell = 0.02  # degrees; a pair closer than 500 m sits in the same or a neighbouring cell
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE cells AS
            SELECT *, CAST(floor(lat / {cell}) AS BIGINT) AS cy, CAST(floor(lon / {cell}) AS BIGINT) AS cx
            FROM buckets
            """
        )
        speed_filter = f"AND median_sog < {max_speed}" if max_speed is not None else ""
        rows = self.con.execute(
            f"""
            WITH near AS (
                SELECT a.mmsi AS a, b.mmsi AS b, a.b AS bucket, (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon,
                       (a.sog + b.sog) / 2 AS sog, least(a.first_ts, b.first_ts) AS first_ts,
                       greatest(a.last_ts, b.last_ts) AS last_ts,
                       hav_km(a.lat, a.lon, b.lat, b.lon) * 1000 AS metres
                FROM cells a JOIN cells b
                  ON a.b = b.b AND a.mmsi < b.mmsi AND b.cy BETWEEN a.cy - 1 AND a.cy + 1
                 AND b.cx BETWEEN a.cx - 1 AND a.cx + 1
                WHERE hav_km(a.lat, a.lon, b.lat, b.lon) * 1000 <= {metres}
            ), runs AS (
                SELECT a, b, min(first_ts) AS start_ts, max(last_ts) AS end_ts, avg(lat) AS lat, avg(lon) AS lon,
                       median(sog) AS median_sog, min(metres) AS min_m, count(*) AS n, max(bucket) AS last_bucket
                FROM (SELECT *, bucket - row_number() OVER (PARTITION BY a, b ORDER BY bucket) AS run FROM near)
                GROUP BY a, b, run
                HAVING count(*) * {minutes * 60} >= {min_seconds}
            )
            SELECT row_number() OVER () AS id, * FROM runs WHERE TRUE {speed_filter}
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
        out: list[DetectedEvent] = []
        for _id, a, b, start, end, lat, lon, median_sog, min_m, _n, bucket in rows:
            is_open = last_bucket is not None and bucket >= last_bucket
            for mmsi, other in ((a, b), (b, a)):
                out.extend(
                    _events(
                        [
                            (
                                mmsi,
                                start,
                                None if is_open else end,
                                lat,
                                lon,
                                {
                                    "other_mmsi": int(other),
                                    "hours": (end - start).total_seconds() / 3600.0,
                                    "median_sog": float(median_sog),
                                    "min_distance_m": float(min_m),
                                },
                            )
                        ],
                        kind,
                    )
                )
        return out

    def detect_encounter(self) -> list[DetectedEvent]:
        """Two vessels within encounter_m for >= encounter_hours, median speed < 2 kn, >= 10 km from ports."""
        t = self.t
        self._buckets()
        rows = self._pairs(t.encounter_m, t.encounter_hours * 3600, t.encounter_speed_kn, t.encounter_port_km)
        return self._pair_events(rows, "encounter")

    def detect_close_rendezvous(self) -> list[DetectedEvent]:
        """Two vessels within rendezvous_m for >= rendezvous_minutes (any speed, anywhere)."""
        t = self.t
        self._buckets()
        rows = self._pairs(t.rendezvous_m, t.rendezvous_minutes * 60, None, None)
        return self._pair_events(rows, "close_rendezvous")

    def detect_impossible_jump(self) -> list[DetectedEvent]:
        """Implied speed > jump_speed_kn over >= jump_min_nm; a jump there and straight back is an identity conflict."""
        t = self.t
        rows = self.con.execute(
            f"""
            WITH steps AS (
                SELECT mmsi, ts, lat, lon, lag(ts) OVER w AS prev_ts, lag(lat) OVER w AS prev_lat,
                       lag(lon) OVER w AS prev_lon, lead(lat) OVER w AS next_lat, lead(lon) OVER w AS next_lon
                FROM pos WINDOW w AS (PARTITION BY mmsi ORDER BY ts)
            ), jumps AS (
                SELECT *, hav_km(prev_lat, prev_lon, lat, lon) / {NM_KM} AS nm,
                       greatest(epoch(ts - prev_ts), 1) / 3600.0 AS hours
                FROM steps WHERE prev_ts IS NOT NULL
            )
            SELECT CASE WHEN next_lat IS NOT NULL
                         AND hav_km(next_lat, next_lon, prev_lat, prev_lon) / {NM_KM} < nm / 10
                        THEN 'identity_conflict' ELSE 'impossible_jump' END,
                   mmsi, prev_ts, ts, lat, lon,
                   {{'implied_kn': nm / hours, 'distance_nm': nm, 'from_lat': prev_lat, 'from_lon': prev_lon}}
            FROM jumps
            WHERE nm >= {t.jump_min_nm} AND nm / hours > {t.jump_speed_kn}
            ORDER BY mmsi, ts
            """
        ).fetchall()
        return _events(rows)

    def detect_area(self) -> list[DetectedEvent]:
        """Entry into each area of interest (start = first position inside, end = last before leaving); dwell."""
        out: list[DetectedEvent] = []
        for name, geometry in sorted(self.areas.items()):
            minx, miny, maxx, maxy = geometry.bounds
            data = self.con.execute(
                "SELECT mmsi, epoch_us(ts), lat, lon FROM pos WHERE lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4",
                [miny, maxy, minx, maxx],
            ).fetchnumpy()
            if not len(data["mmsi"]):
                continue
            inside = shapely.contains_xy(geometry, np.asarray(data["lon"]), np.asarray(data["lat"]))
            self.con.register(
                "area_hits",
                {"mmsi": np.asarray(data["mmsi"])[inside], "us": np.asarray(data["epoch_us(ts)"])[inside]},
            )
            rows = self.con.execute(
                """
                WITH flagged AS (
                    SELECT p.mmsi, p.ts, p.lat, p.lon, h.us IS NOT NULL AS inside
                    FROM pos p LEFT JOIN (SELECT DISTINCT mmsi, us FROM area_hits) h
                      ON h.mmsi = p.mmsi AND h.us = epoch_us(p.ts)
                    WHERE p.mmsi IN (SELECT DISTINCT mmsi FROM area_hits)
                ), runs AS (
                    SELECT *, row_number() OVER (PARTITION BY mmsi ORDER BY ts)
                              - row_number() OVER (PARTITION BY mmsi, inside ORDER BY ts) AS run
                    FROM flagged
                )
                SELECT mmsi, min(ts), max(ts), arg_min(lat, ts), arg_min(lon, ts),
                       {'area': $1, 'dwell_hours': epoch(max(ts) - min(ts)) / 3600.0, 'positions': count(*)},
                       max(ts) = $2::TIMESTAMP AS still_inside
                FROM runs WHERE inside GROUP BY mmsi, run ORDER BY mmsi, min(ts)
                """,
                [name, self.data_end],
            ).fetchall()
            self.con.unregister("area_hits")
            for mmsi, start, end, lat, lon, details, still in rows:
                event_end = None if still else end
                out.extend(_events([(mmsi, start, event_end, lat, lon, details)], "area_entry"))
                if details["dwell_hours"] >= self.t.dwell_hours:
                    out.extend(_events([(mmsi, start, event_end, lat, lon, details)], "area_dwell"))
        return out

    def detect_speed_band(self) -> list[DetectedEvent]:
        """Consecutive positions with speed inside the band for >= speed_band_minutes."""
        low, high = self.t.speed_band_kn
        rows = self.con.execute(
            f"""
            WITH flagged AS (
                SELECT *, sog >= {low} AND sog <= {high} AS band,
                       row_number() OVER (PARTITION BY mmsi ORDER BY ts)
                       - row_number() OVER (PARTITION BY mmsi, sog >= {low} AND sog <= {high} ORDER BY ts) AS run
                FROM pos
            )
            SELECT mmsi, min(ts), max(ts), arg_min(lat, ts), arg_min(lon, ts),
                   {{'band_kn': [{low}, {high}], 'max_sog': max(sog), 'minutes': epoch(max(ts) - min(ts)) / 60.0}}
            FROM flagged WHERE band GROUP BY mmsi, run
            HAVING epoch(max(ts) - min(ts)) >= {self.t.speed_band_minutes * 60}
            ORDER BY mmsi, min(ts)
            """
        ).fetchall()
        return _events(rows, "speed_band")

    def detect_port_visit(self) -> list[DetectedEvent]:
        """Visit: within port_entry_km of a port or anchorage, until farther than port_exit_km (hysteresis)."""
        if not self.ports:
            return []
        t = self.t
        rows = self.con.execute(
            f"""
            WITH near AS (
                SELECT p.mmsi, p.ts, min(hav_km(p.lat, p.lon, q.lat, q.lon)) AS km
                FROM pos p JOIN ports_near q
                  ON q.cy = CAST(floor(p.lat * 10) AS INTEGER) AND q.cx = CAST(floor(p.lon * 10) AS INTEGER)
                GROUP BY p.mmsi, p.ts
            ), flagged AS (
                SELECT p.mmsi, p.ts, p.lat, p.lon, coalesce(n.km, 999.0) AS km,
                       coalesce(n.km, 999.0) <= {t.port_exit_km} AS within_exit
                FROM pos p LEFT JOIN near n USING (mmsi, ts)
                WHERE p.mmsi IN (SELECT mmsi FROM near WHERE km <= {t.port_entry_km})
            ), runs AS (
                SELECT *, row_number() OVER (PARTITION BY mmsi ORDER BY ts)
                          - row_number() OVER (PARTITION BY mmsi, within_exit ORDER BY ts) AS run
                FROM flagged
            )
            SELECT mmsi, min(ts) FILTER (WHERE km <= {t.port_entry_km}) AS start_ts, max(ts) AS end_ts,
                   arg_min(lat, ts) FILTER (WHERE km <= {t.port_entry_km}),
                   arg_min(lon, ts) FILTER (WHERE km <= {t.port_entry_km}),
                   {{'hours': epoch(max(ts) - min(ts) FILTER (WHERE km <= {t.port_entry_km})) / 3600.0,
                     'min_km': min(km)}},
                   max(ts) = $1::TIMESTAMP AS still_in
            FROM runs WHERE within_exit GROUP BY mmsi, run
            HAVING min(km) <= {t.port_entry_km}
            ORDER BY mmsi, start_ts
            """,
            [self.data_end],
        ).fetchall()
        return _events([(m, s, None if still else e, la, lo, d) for m, s, e, la, lo, d, still in rows], "port_visit")
