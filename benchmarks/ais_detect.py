"""AIS: all of Mitra's detectors (DuckDB SQL) over synthetic positions built from the real tracks.

Positions: the GFW gpsdio-segment tracks in ``shared/data/maritime/ais_tracks/`` replicated, each copy a
new MMSI shifted by whole hours and by a few degrees, until the wanted count is reached. Mitra runs all
eight detectors (with the five default areas of interest and the shipped ports) from the ``positions``
table to the list of events in Python.

Peer: a straightforward NumPy implementation of two of the detectors (AIS gap with open gaps at the end
of the data, impossible jump / identity conflict; no offshore distance), timed from reading the same rows
out of DuckDB, sorting them per vessel and looping over the vessels. Both must find the same gaps and the
same jumps, which the script asserts. Mitra is also timed on those two detectors alone (like for like).
Usage: python benchmarks/ais_detect.py [POSITIONS]   (default 10,000,000)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import numpy as np

from mitra.pillars.maritime.ais.detect import DETECTORS, EventDetector, Thresholds
from mitra.pillars.maritime.areas import default_areas

DATA = Path(__file__).resolve().parents[2] / "shared/data/maritime"
EARTH_KM = 6371.0088

Key = tuple[int, int, int | None]


def build(con: duckdb.DuckDBPyConnection, wanted: int) -> int:
    tracks = str(DATA / "ais_tracks" / "gpsdio-segment_*.jsonl")
    con.execute(
        f"CREATE TABLE base AS SELECT ssvid::BIGINT AS mmsi, timestamp::TIMESTAMP AS ts, lat, lon, speed AS sog "
        f"FROM read_json_auto('{tracks}', union_by_name = true) WHERE lat IS NOT NULL"
    )
    base = int(con.execute("SELECT count(*) FROM base").fetchone()[0])  # type: ignore[index]
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
    return int(con.execute("SELECT count(*) FROM positions").fetchone()[0])  # type: ignore[index]


def _hav_nm(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    a = (
        np.sin(np.radians(lat2 - lat1) / 2) ** 2
        + np.cos(np.radians(lat1)) * np.cos(np.radians(lat2)) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    result: np.ndarray = 2 * EARTH_KM * np.arcsin(np.sqrt(a)) / 1.852
    return result


def peer(con: duckdb.DuckDBPyConnection, t: Thresholds) -> tuple[set[Key], set[tuple[str, int, int, int]]]:
    """Gaps (mmsi, start_us, end_us or None) and jumps (kind, mmsi, from_us, to_us), one vessel at a time."""
    data = con.execute("SELECT mmsi, epoch_us(ts) AS us, lat, lon FROM positions").fetchnumpy()
    mmsi, us, lat, lon = (np.asarray(data[k]) for k in ("mmsi", "us", "lat", "lon"))
    order = np.lexsort((lon, lat, us, mmsi))
    mmsi, us, lat, lon = mmsi[order], us[order], lat[order], lon[order]
    data_end = int(us.max())
    gap_us = int(t.gap_hours * 3600) * 1_000_000
    cuts = np.flatnonzero(np.diff(mmsi)) + 1
    gaps: set[Key] = set()
    jumps: set[tuple[str, int, int, int]] = set()
    for first, stop in zip(np.r_[0, cuts], np.r_[cuts, len(mmsi)], strict=True):
        vessel = int(mmsi[first])
        t_us, la, lo = us[first:stop], lat[first:stop], lon[first:stop]
        steps = np.diff(t_us)
        for i in np.flatnonzero(steps >= gap_us):
            gaps.add((vessel, int(t_us[i]), int(t_us[i + 1])))
        if data_end - int(t_us[-1]) >= gap_us:
            gaps.add((vessel, int(t_us[-1]), None))
        if len(t_us) < 2:
            continue
        nm = _hav_nm(la[:-1], lo[:-1], la[1:], lo[1:])
        hours = np.maximum(steps / 1e6, 1) / 3600.0
        for i in np.flatnonzero((nm >= t.jump_min_nm) & (nm / hours > t.jump_speed_kn)):
            back = i + 2 < len(t_us) and _hav_nm(la[i + 2], lo[i + 2], la[i], lo[i]) < nm[i] / 10
            jumps.add(("identity_conflict" if back else "impossible_jump", vessel, int(t_us[i]), int(t_us[i + 1])))
    return gaps, jumps


def _us(value: object) -> int:
    from datetime import datetime

    assert isinstance(value, datetime)
    return round(value.timestamp() * 1_000_000)


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    con = duckdb.connect()
    count = build(con, wanted)
    areas = default_areas()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]

    started = time.perf_counter()
    events = EventDetector(con, ports_dir=DATA / "ports", areas=areas).run(DETECTORS)
    mitra_seconds = time.perf_counter() - started

    started = time.perf_counter()
    pair = EventDetector(con, ports_dir=DATA / "ports").run(("ais_gap", "impossible_jump"))
    pair_seconds = time.perf_counter() - started

    started = time.perf_counter()
    peer_gaps, peer_jumps = peer(con, Thresholds())
    peer_seconds = time.perf_counter() - started

    gaps = {
        (e.mmsi, _us(e.start), None if e.end is None else _us(e.end))
        for e in events
        if e.event_type in ("ais_gap", "likely_disabling")
    }
    jumps = {
        (e.event_type, e.mmsi, _us(e.start), _us(e.end))
        for e in events
        if e.event_type in ("impossible_jump", "identity_conflict")
    }
    assert gaps == peer_gaps, f"gaps differ: {len(gaps - peer_gaps)} only Mitra, {len(peer_gaps - gaps)} only peer"
    assert jumps == peer_jumps, (
        f"jumps differ: {len(jumps - peer_jumps)} only Mitra, {len(peer_jumps - jumps)} only peer"
    )

    kinds: dict[str, int] = {}
    for e in events:
        kinds[e.event_type] = kinds.get(e.event_type, 0) + 1
    print(f"positions: {count:,} ({con.execute('SELECT count(DISTINCT mmsi) FROM positions').fetchone()[0]:,} vessels)")  # type: ignore[index]
    print(f"DuckDB threads: {threads}; areas: {', '.join(sorted(areas))}")
    print("events: " + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())))
    print(f"same gaps found by both: {len(gaps):,}; same jumps/identity conflicts found by both: {len(jumps):,}")
    print(f"mitra all {len(DETECTORS)} detectors: {mitra_seconds:.2f} s ({count / mitra_seconds:,.0f} positions/s)")
    print(
        f"mitra gap + jump only: {pair_seconds:.2f} s ({count / pair_seconds:,.0f} positions/s); {len(pair):,} events"
    )
    print(
        f"peer (NumPy, per-vessel loop; covers gap + impossible jump/identity conflict only, read + sort + detect): "
        f"{peer_seconds:.2f} s ({count / peer_seconds:,.0f} positions/s)"
    )
    mitra_rate, peer_rate = count / mitra_seconds, count / peer_seconds
    print(
        f"RESULT name=ais_detect mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=positions/s "
        f"ratio={mitra_rate / peer_rate:.2f}"
    )


if __name__ == "__main__":
    main()
