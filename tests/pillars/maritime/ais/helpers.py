"""Constructed positions for the AIS tests, written in the position store's Parquet layout."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from mitra.pillars.maritime.ais.store import PositionStore

Row = tuple[int, datetime, float, float, float]


def write_positions(store: PositionStore, rows: list[Row], *, recorded: bool = True) -> list[Path]:
    """Positions (mmsi, time, lat, lon, sog) into the store's Parquet layout (appended); the files written.

    Each file is recorded in the store's manifest as an ingest records it, unless ``recorded`` is False
    (a file written before checksums were kept).
    """
    store.positions_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "mmsi": np.array([r[0] for r in rows], dtype=np.int64),
        "us": np.array([int(r[1].timestamp() * 1e6) for r in rows], dtype=np.int64),
        "lat": np.array([r[2] for r in rows]),
        "lon": np.array([r[3] for r in rows]),
        "sog": np.array([r[4] for r in rows]),
    }
    con = duckdb.connect()
    con.register("d", data)
    target = str(store.positions_dir)
    written = con.execute(
        "COPY (SELECT mmsi, make_timestamp(us) AS ts, lat, lon, sog, NULL::DOUBLE AS cog, NULL::INTEGER AS heading, "
        "15 AS status, 1 AS msg_type, 'test' AS source, 0::BIGINT AS line, CAST(make_timestamp(us) AS DATE) AS date "
        f"FROM d) TO '{target}' (FORMAT parquet, PARTITION_BY (date), APPEND, FILENAME_PATTERN 'part-{{uuid}}', "
        "RETURN_FILES true)"
    ).fetchone()
    con.close()
    files = [Path(f) for f in (written[1] if written else [])]
    if recorded:
        store.record_files(files, how="test")
    return files


def track(
    mmsi: int, start: datetime, hours: float, lat: float, lon: float, dlon: float, sog: float, step_min: int = 10
) -> list[Row]:
    """A straight track east (``dlon`` degrees per step) at constant reported speed, one fix every step_min."""
    steps = int(hours * 60 / step_min)
    return [(mmsi, start + timedelta(minutes=step_min * k), lat, lon + dlon * k, sog) for k in range(steps + 1)]
