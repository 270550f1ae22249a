"""AIS: all of Mitra's detectors (DuckDB SQL) over synthetic positions built from the real tracks.

Peer: the AIS gap detector alone written as a plain Python loop over the same positions.
Usage: python benchmarks/ais_detect.py [POSITIONS]   (default 10,000,000)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

from mitra.pillars.maritime.ais.detect import DETECTORS, EventDetector

DATA = Path(__file__).resolve().parents[2] / "shared/data/maritime"


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    con = duckdb.connect()
    tracks = str(DATA / "ais_tracks" / "gpsdio-segment_*.jsonl")
    con.execute(
        f"CREATE TABLE base AS SELECT ssvid::BIGINT AS mmsi, timestamp::TIMESTAMP AS ts, lat, lon, speed AS sog "
        f"FROM read_json_auto('{tracks}', union_by_name = true) WHERE lat IS NOT NULL"
    )
    base = con.execute("SELECT count(*) FROM base").fetchone()[0]  # type: ignore[index]
    copies = -(-wanted // base)
    # each copy: a new MMSI, shifted by a few degrees and hours so that copies do not coincide
    con.execute(
        f"""
        CREATE TABLE positions AS
        SELECT mmsi * 1000 + k AS mmsi, ts + to_hours(k % 97) AS ts,
               least(greatest(lat + (k % 13) * 0.7 - 4, -89), 89) AS lat,
               ((lon + (k // 13) * 0.37 + 180) % 360) - 180 AS lon, sog
        FROM base, range({copies}) AS r(k)
        """
    )
    count = con.execute("SELECT count(*) FROM positions").fetchone()[0]  # type: ignore[index]
    started = time.perf_counter()
    detector = EventDetector(con, ports_dir=DATA / "ports")
    events = detector.run(DETECTORS)
    mitra_seconds = time.perf_counter() - started
    rows = con.execute("SELECT mmsi, epoch(ts) FROM positions ORDER BY mmsi, ts").fetchall()
    started = time.perf_counter()
    gaps, previous = 0, None
    for mmsi, seconds in rows:
        if previous is not None and previous[0] == mmsi and seconds - previous[1] >= 6 * 3600:
            gaps += 1
        previous = (mmsi, seconds)
    peer_seconds = time.perf_counter() - started
    found = sum(1 for e in events if e.event_type in ("ais_gap", "likely_disabling") and e.end is not None)
    print(f"positions: {count:,}; events: {len(events):,}; closed gaps mitra {found:,} vs python loop {gaps:,}")
    mitra_rate, peer_rate = count / mitra_seconds, count / peer_seconds
    print(
        f"mitra all detectors {mitra_seconds:.2f} s; python loop (gap detector only, pre-sorted) {peer_seconds:.2f} s"
    )
    print(
        f"RESULT name=ais_detect mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=positions/s "
        f"ratio={mitra_rate / peer_rate:.2f}"
    )


if __name__ == "__main__":
    main()
