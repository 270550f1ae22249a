"""The AIS position store: DuckDB over date-partitioned Parquet under ``<data_dir>/maritime``.

Layout: ``positions/date=YYYY-MM-DD/*.parquet`` (one row per position report),
``static/date=YYYY-MM-DD/*.parquet`` (static and voyage reports: names, call signs, IMO numbers),
``ingest/*.json`` (one report per ingest, and per-file checkpoints for resuming).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

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


def _iso(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


class PositionStore:
    """Positions and static reports of vessels; every read is a DuckDB query over the Parquet files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.positions_dir = root / "positions"
        self.static_dir = root / "static"
        self.reports_dir = root / "ingest"

    @classmethod
    def for_settings(cls, settings: Settings) -> PositionStore:
        return cls(settings.data_dir / "maritime")

    # ----- DuckDB -------------------------------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB over the Parquet files (empty tables if none).

        ``positions`` and ``static`` hold the reports with a time (what maps, tracks and detectors read);
        ``all_positions`` and ``all_static`` hold every report, those of unknown time (``ts`` NULL) too.
        """
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        for name, folder, columns in (
            ("positions", self.positions_dir, POSITION_COLUMNS),
            ("static", self.static_dir, STATIC_COLUMNS),
        ):
            if any(folder.glob("date=*/*.parquet")):
                pattern = str(folder / "date=*" / "*.parquet").replace("'", "''")
                files = f"read_parquet('{pattern}', hive_partitioning = true, union_by_name = true)"
                con.execute(f"CREATE VIEW all_{name} AS SELECT * EXCLUDE (date) FROM {files}")  # noqa: S608 - own path
                held = {c[0] for c in con.execute(f"DESCRIBE all_{name}").fetchall()}
                if "time_basis" not in held:  # files written before reports said what their time rests on
                    con.execute(
                        f"CREATE OR REPLACE VIEW all_{name} AS "  # noqa: S608 - own path
                        f"SELECT * EXCLUDE (date), NULL::VARCHAR AS time_basis FROM {files}"
                    )
            else:
                con.execute(f"CREATE TABLE all_{name} ({columns})")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM all_{name} WHERE ts IS NOT NULL")  # noqa: S608
        return con

    def untimed_counts(self) -> tuple[int, int]:
        """How many position and static reports are held with an unknown time (no map or detector uses them)."""
        with self.connect() as con:
            positions = con.execute("SELECT count(*) FROM all_positions WHERE ts IS NULL").fetchone()
            static = con.execute("SELECT count(*) FROM all_static WHERE ts IS NULL").fetchone()
        return (int(positions[0]) if positions else 0, int(static[0]) if static else 0)

    def count_positions(self, *, with_unknown_time: bool = False) -> int:
        """Positions held with a time (what maps and detectors use), or with ``with_unknown_time`` all of them."""
        table = "all_positions" if with_unknown_time else "positions"
        with self.connect() as con:
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - one of two names
        return int(row[0]) if row else 0

    # ----- reads for the map and the API ---------------------------------------------------

    def latest_positions(
        self, *, since: datetime | None = None, until: datetime | None = None, limit: int = 5000
    ) -> list[dict[str, Any]]:
        """The last position of each vessel in the window, newest first, with its latest known name."""
        with self.connect() as con:
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
        with self.connect() as con:
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
        with self.connect() as con:
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
