"""AIS positions and static reports written straight into a node's store, for the picture's tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from mitra.node import Node
from mitra.pillars.maritime.ais.store import POSITION_COLUMNS, STATIC_COLUMNS, PositionStore

OCEAN_STAR = 533000001  # three fixes in the Singapore Strait, 10:00-10:02, named, bound for SINGAPORE
SECOND = 533000002  # one fix off Sumatra at 09:00
THIRD = 533000003  # one fix in the Gulf of Aden at 08:00, the oldest


def write_vessels(node: Node) -> None:
    """Three vessels on 2 March 2024; OCEAN STAR's identity changed its call sign once."""
    store = PositionStore.for_settings(node.settings)
    positions = store.positions_dir / "date=2024-03-02"
    static = store.static_dir / "date=2024-03-02"
    positions.mkdir(parents=True)
    static.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE p ({POSITION_COLUMNS})")
        fixes = [
            (OCEAN_STAR, "2024-03-02 10:00:00", 1.20, 103.80, 10.0, 90.0, 0),
            (OCEAN_STAR, "2024-03-02 10:01:00", 1.21, 103.81, 10.5, 91.0, 0),
            (OCEAN_STAR, "2024-03-02 10:02:00", 1.22, 103.82, 11.0, 92.5, 0),
            (SECOND, "2024-03-02 09:00:00", 6.0, 95.0, 8.0, 300.0, 0),
            (THIRD, "2024-03-02 08:00:00", 12.5, 45.5, 12.0, 270.0, 1),
        ]
        for mmsi, ts, lat, lon, sog, cog, status in fixes:
            con.execute(
                "INSERT INTO p (mmsi, ts, lat, lon, sog, cog, status, msg_type) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                [mmsi, ts, lat, lon, sog, cog, status],
            )
        con.execute(f"COPY p TO '{positions / 'test.parquet'}' (FORMAT parquet)")
        con.execute(f"CREATE TABLE s ({STATIC_COLUMNS})")
        for ts, callsign in (("2024-03-02 09:30:00", "9V1234"), ("2024-03-02 10:01:30", "9V9999")):
            con.execute(
                "INSERT INTO s (mmsi, ts, msg_type, imo, name, callsign, ship_type, destination) "
                "VALUES (?, ?, 5, 9123456, 'OCEAN STAR', ?, 80, 'SINGAPORE')",
                [OCEAN_STAR, ts, callsign],
            )
        con.execute(f"COPY s TO '{static / 'test.parquet'}' (FORMAT parquet)")
    store.record_files([positions / "test.parquet", static / "test.parquet"], how="written by a test")


def positions_dir(node: Node) -> Path:
    return PositionStore.for_settings(node.settings).positions_dir
