"""AIS: Mitra's detectors (DuckDB SQL) vs a NumPy peer running the same definitions, detector by detector.

    .venv/bin/python benchmarks/ais_detect.py [POSITIONS]   (default 10,000,000)

Positions: the GFW gpsdio-segment tracks in ``shared/data/maritime/ais_tracks/`` (their "not available"
positions, lat 91 / lon 181, left out as the ingest leaves them out) replicated, each copy a new MMSI
shifted by whole hours and by a few degrees, until the wanted count is reached. So that every detector
has work: one copy in 40 sails with a twin (another MMSI 0.002 degrees of latitude north, about 222 m,
same times and speeds: close rendezvous, and encounters where they are slow offshore), and one copy in 7
reports three times its speed (speed band).

Peer: the published definitions (docs/maritime-ais.md, the docstring of ``mitra.pillars.maritime.ais.detect``)
written again in NumPy, vectorised over all vessels: positions read out of the same DuckDB table and
sorted per vessel (by time, then latitude, longitude), ports read from the same CSVs, the areas' polygons
tested by even-odd ray casting. Where a definition names a search (the nearest port among the grid cells
around a point), the peer searches the same cells; the neighbour search for vessel pairs is its own (any
search finding every pair within the distance gives the same pairs). Every detector: gap and likely
disabling, impossible jump and identity conflict, speed band, loitering, encounter, close rendezvous,
area entry and dwell, port visit.

Each detector is timed alone on both sides, as a user would run it: Mitra from a new ``EventDetector``
(its one sort of the positions and the ports) to its events in Python; the peer from reading the
positions and ports to its events. Then all detectors at once, the sort shared. Three runs a side,
alternating which goes first; the medians are the figures. DuckDB uses its default threads (both cores);
the peer is NumPy on one. Both must find the same events (type, vessel, start, end, and the other vessel
of a pair), and the same details to within 0.0015 (rounded to 3 decimals in different arithmetic).
"""

from __future__ import annotations

import csv
import itertools
import math
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
from shapely.geometry.base import BaseGeometry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average, median
from mitra.pillars.maritime.ais.detect import DETECTORS, DetectedEvent, EventDetector, Thresholds
from mitra.pillars.maritime.areas import default_areas

DATA = Path(__file__).resolve().parents[2] / "shared/data/maritime"
PORTS = DATA / "ports"
EARTH_KM = 6371.0088
NM_KM = 1.852
RUNS = 3
TOLERANCE = 0.0015
US_HOUR = 3_600_000_000

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
# An event as compared: (type, mmsi, start us, end us or None, other mmsi or None) -> details
Events = dict[tuple[Any, ...], tuple[Any, ...]]


def build(con: duckdb.DuckDBPyConnection, wanted: int) -> int:
    tracks = str(DATA / "ais_tracks" / "gpsdio-segment_*.jsonl")
    con.execute(
        f"CREATE TABLE base AS SELECT ssvid::BIGINT AS mmsi, timestamp::TIMESTAMP AS ts, lat, lon, speed AS sog "
        f"FROM read_json_auto('{tracks}', union_by_name = true) "
        "WHERE lat IS NOT NULL AND lon IS NOT NULL AND abs(lat) <= 90 AND abs(lon) <= 180"
    )
    base = int(con.execute("SELECT count(*) FROM base").fetchone()[0])  # type: ignore[index]
    copies = math.ceil(wanted / base / (1 + 1 / 40))
    # each copy: a new MMSI, shifted by a few degrees and hours so that copies do not coincide
    con.execute(
        f"""
        CREATE TABLE positions AS
        WITH copies AS (
            SELECT mmsi * 1000 + k AS mmsi, ts + to_hours(k % 97) AS ts,
                   least(greatest(lat + (k % 13) * 0.7 - 4, -89), 89) AS lat,
                   ((lon + (k // 13) * 0.37 + 180) % 360) - 180 AS lon,
                   CASE WHEN k % 7 = 3 THEN sog * 3 ELSE sog END AS sog, k
            FROM base, range({copies}) AS r(k)
        )
        SELECT mmsi, ts, lat, lon, sog FROM copies
        UNION ALL
        SELECT mmsi + 500000, ts, lat + 0.002, lon, sog FROM copies WHERE k % 40 = 0
        """
    )
    return int(con.execute("SELECT count(*) FROM positions").fetchone()[0])  # type: ignore[index]


# ----- the peer ---------------------------------------------------------------------------------


def hav_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Floats:
    a = (
        np.sin(np.radians(lat2 - lat1) / 2) ** 2
        + np.cos(np.radians(lat1)) * np.cos(np.radians(lat2)) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    result: Floats = 2 * EARTH_KM * np.arcsin(np.sqrt(a))
    return result


class SortedKeys:
    """Integer keys sorted once, for finding every row of a key (an equi-join by binary search)."""

    def __init__(self, keys: Ints) -> None:
        self.order = np.argsort(keys, kind="stable")
        self.unique, self.low, self.counts = np.unique(keys[self.order], return_index=True, return_counts=True)

    def expand(self, wanted: Ints) -> tuple[Ints, Ints]:
        """Every (query, row) with ``keys[row] == wanted[query]``."""
        at = np.minimum(np.searchsorted(self.unique, wanted), len(self.unique) - 1)
        hit = self.unique[at] == wanted
        counts = np.where(hit, self.counts[at], 0)
        query = np.repeat(np.arange(len(wanted)), counts)
        starts = np.cumsum(counts) - counts
        rows = self.low[at][query] + (np.arange(len(query)) - starts[query])
        return query, self.order[rows]


class CellIndex:
    """Ports listed in every cell around their own (``dy``, ``dx`` cells either side), for lookups by a point's cell."""

    def __init__(self, lat: Floats, lon: Floats, scale: float, dy: int, dx: int) -> None:
        self.scale = scale
        cy, cx = np.floor(lat * scale).astype(np.int64), np.floor(lon * scale).astype(np.int64)
        keys, index = [], []
        for y in range(-dy, dy + 1):
            for x in range(-dx, dx + 1):
                keys.append(self._key(cy + y, cx + x))
                index.append(np.arange(len(lat)))
        all_index = np.concatenate(index)
        self.keys = SortedKeys(np.concatenate(keys))
        self.lat, self.lon = lat[all_index], lon[all_index]

    @staticmethod
    def _key(cy: Ints, cx: Ints) -> Ints:
        return (cy + 100_000) * 1_000_000 + (cx + 100_000)

    def nearest_km(self, lat: Floats, lon: Floats, within: float = math.inf) -> Floats:
        """Distance to the nearest port in the point's cell's list (inf when none, or none ``within``)."""
        best = np.full(len(lat), np.inf)
        wanted = self._key(np.floor(lat * self.scale).astype(np.int64), np.floor(lon * self.scale).astype(np.int64))
        for at in range(0, len(lat), 200_000):  # bounded memory: a part of the points at a time
            part = slice(at, at + 200_000)
            query, rows = self.keys.expand(wanted[part])
            if not len(query):
                continue
            km = hav_km(lat[part][query], lon[part][query], self.lat[rows], self.lon[rows])
            km = np.where(km <= within, km, np.inf)
            np.minimum.at(best[part], query, km)
        return best


def read_ports() -> tuple[Floats, Floats]:
    lat, lon = [], []
    for path in sorted(PORTS.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("latitude") and row.get("longitude"):
                    lat.append(float(row["latitude"]))
                    lon.append(float(row["longitude"]))
    return np.asarray(lat), np.asarray(lon)


def _inside(polygon: BaseGeometry, x: Floats, y: Floats) -> npt.NDArray[np.bool_]:
    """Even-odd ray casting against the polygon's exterior (the areas are simple polygons)."""
    vertices = np.asarray(polygon.exterior.coords)  # type: ignore[attr-defined]
    inside = np.zeros(len(x), dtype=bool)
    for (x1, y1), (x2, y2) in itertools.pairwise(vertices):
        if y1 == y2:
            continue
        crosses = ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
        inside ^= crosses
    return inside


class NumpyDetector:
    """The peer: positions read and sorted once per vessel; each detector a few array passes."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, areas: Mapping[str, BaseGeometry], t: Thresholds | None = None
    ) -> None:
        self.t = t or Thresholds()
        self.areas = areas
        data = con.execute(
            "SELECT mmsi, epoch_us(ts) AS us, lat, lon, coalesce(sog, 0.0) AS sog FROM positions"
        ).fetchnumpy()
        m, us, la, lo, sog = (np.asarray(data[k]) for k in ("mmsi", "us", "lat", "lon", "sog"))
        order = np.lexsort((sog, lo, la, us, m))
        self.m, self.us, self.la, self.lo, self.sog = m[order], us[order], la[order], lo[order], sog[order]
        same = self.m[1:] == self.m[:-1]
        self.has_next = np.r_[same, False]
        self.has_prev = np.r_[False, same]
        self.data_end = int(self.us.max())
        port_lat, port_lon = read_ports()
        self.ports_far = CellIndex(port_lat, port_lon, 1.0, 1, 2)
        self.ports_near = CellIndex(port_lat, port_lon, 10.0, 1, 1)

    def run(self, detector: str) -> Events:
        detect: Callable[[], Events] = getattr(self, f"detect_{detector}")
        return detect()

    def _offshore_nm(self, lat: Floats, lon: Floats) -> Floats:
        km = self.ports_far.nearest_km(lat, lon)
        return np.where(np.isinf(km), 999.0, km / NM_KM)

    def _runs(self, mask: npt.NDArray[np.bool_]) -> tuple[Ints, Ints]:
        """First and last index of each run of consecutive positions of one vessel where ``mask`` holds."""
        return self._runs_of(np.flatnonzero(mask))

    def _runs_of(self, idx: Ints) -> tuple[Ints, Ints]:
        """First and last of each run of consecutive positions of one vessel among ``idx`` (sorted)."""
        if not len(idx):
            return idx, idx
        new = np.r_[True, (idx[1:] != idx[:-1] + 1) | (self.m[idx[1:]] != self.m[idx[:-1]])]
        starts = np.flatnonzero(new)
        return idx[starts], idx[np.r_[starts[1:], len(idx)] - 1]

    def detect_ais_gap(self) -> Events:
        t, us, la, lo = self.t, self.us, self.la, self.lo
        span = np.where(self.has_next, np.r_[us[1:] - us[:-1], 0], self.data_end - us)
        i = np.flatnonzero(span >= int(t.gap_hours * 3600) * 1_000_000)
        closed = self.has_next[i]
        j = np.where(closed, i + 1, i)
        hours = span[i] / 1e6 / 3600.0
        off = np.minimum(self._offshore_nm(la[i], lo[i]), self._offshore_nm(la[j], lo[j]))
        distance = np.where(closed, hav_km(la[i], lo[i], la[j], lo[j]) / NM_KM, 0.0)
        kind = np.where((hours >= t.disabling_hours) & (off >= t.disabling_offshore_nm), "likely_disabling", "ais_gap")
        return {
            (str(k), int(self.m[a]), int(us[a]), int(us[b]) if c else None, None): (h, o, not c, d)
            for k, a, b, c, h, o, d in zip(kind, i, j, closed, hours, off, distance, strict=True)
        }

    def detect_impossible_jump(self) -> Events:
        t, la, lo, us = self.t, self.la, self.lo, self.us
        i = np.flatnonzero(self.has_prev)
        nm = hav_km(la[i - 1], lo[i - 1], la[i], lo[i]) / NM_KM
        hours = np.maximum((us[i] - us[i - 1]) / 1e6, 1) / 3600.0
        keep = (nm >= t.jump_min_nm) & (nm / hours > t.jump_speed_kn)
        i, nm, hours = i[keep], nm[keep], hours[keep]
        after = np.minimum(i + 1, len(us) - 1)
        back = self.has_next[i] & (hav_km(la[after], lo[after], la[i - 1], lo[i - 1]) / NM_KM < nm / 10)
        return {
            ("identity_conflict" if b else "impossible_jump", int(self.m[k]), int(us[k - 1]), int(us[k]), None): (
                n / h,
                n,
                la[k - 1],
                lo[k - 1],
            )
            for k, n, h, b in zip(i, nm, hours, back, strict=True)
        }

    def detect_speed_band(self) -> Events:
        low, high = self.t.speed_band_kn
        inside = np.flatnonzero((self.sog >= low) & (self.sog <= high))
        first, last = self._runs_of(inside)
        if not len(first):
            return {}
        starts = np.searchsorted(inside, first)
        top = np.maximum.reduceat(self.sog[inside], starts)
        seconds = (self.us[last] - self.us[first]) / 1e6
        keep = seconds >= self.t.speed_band_minutes * 60
        return {
            ("speed_band", int(self.m[f]), int(self.us[f]), int(self.us[e]), None): (low, high, s, sec / 60.0)
            for f, e, s, sec in zip(first[keep], last[keep], top[keep], seconds[keep], strict=True)
        }

    def _groups(self, width_us: int) -> dict[str, Any]:
        """Per vessel and clock-aligned bucket of ``width_us``: count, sums, first and last time, bounds."""
        b = self.us // width_us
        new = np.r_[True, (self.m[1:] != self.m[:-1]) | (b[1:] != b[:-1])]
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:], len(b)]
        n = ends - starts
        return {
            "m": self.m[starts],
            "b": b[starts],
            "n": n,
            "lat": np.add.reduceat(self.la, starts) / n,
            "lon": np.add.reduceat(self.lo, starts) / n,
            "sog": np.add.reduceat(self.sog, starts) / n,
            "first": self.us[starts],
            "last": self.us[ends - 1],
            "starts": starts,
            "ends": ends,
        }

    def detect_loitering(self) -> Events:
        t = self.t
        h = self._groups(US_HOUR)
        slow = np.flatnonzero(h["sog"] < t.loiter_speed_kn)
        if not len(slow):
            return {}
        hm, hb = h["m"][slow], h["b"][slow]
        new = np.r_[True, (hm[1:] != hm[:-1]) | (hb[1:] != hb[:-1] + 1)]
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:], len(slow)]
        count = ends - starts
        start_us = h["first"][slow][starts]
        end_us = h["last"][slow][ends - 1]
        lat = np.add.reduceat(h["lat"][slow], starts) / count
        lon = np.add.reduceat(h["lon"][slow], starts) / count
        mean_sog = np.add.reduceat(h["sog"][slow], starts) / count
        long_enough = (end_us - start_us) / 1e6 >= t.loiter_hours * 3600
        off = np.full(len(starts), -1.0)
        off[long_enough] = self._offshore_nm(lat[long_enough], lon[long_enough])
        keep = long_enough & (off >= t.loiter_offshore_nm)
        still = end_us >= self.data_end - US_HOUR
        return {
            ("loitering", int(hm[s]), int(a), None if o else int(e), None): ((e - a) / 1e6 / 3600.0, ms, f)
            for s, a, e, o, ms, f in zip(
                starts[keep], start_us[keep], end_us[keep], still[keep], mean_sog[keep], off[keep], strict=True
            )
        }

    def _near_pairs(self) -> dict[str, Any]:
        """Two vessels' 10-minute means within the larger pair distance, each pair once (a < b)."""
        t = self.t
        g = self._groups(t.bucket_minutes * 60_000_000)
        metres = max(t.encounter_m, t.rendezvous_m)
        cell = 0.05
        dlat = metres / 111_195.0 * 1.01
        # how many cells of longitude a point's neighbourhood spans, by its latitude (more towards the poles)
        dlon = dlat / np.maximum(np.cos(np.radians(np.minimum(np.abs(g["lat"]) + dlat, 89.9))), 1e-3)
        reach = np.ceil(dlon / cell).astype(np.int64)
        cy = np.floor(g["lat"] / cell).astype(np.int64)
        cx = np.floor(g["lon"] / cell).astype(np.int64)

        def key(b: Ints, y: Ints, x: Ints) -> Ints:
            return (b * 10_000 + y + 5_000) * 20_000 + x + 10_000

        keys = key(g["b"], cy, cx)
        index = SortedKeys(keys)
        in_order = keys[index.order]  # queries in key order: the binary searches walk the keys in order
        reach_in_order = reach[index.order]
        found_a, found_b = [], []
        for dx in range(-int(reach.max()), int(reach.max()) + 1):
            near = np.flatnonzero(reach_in_order >= abs(dx))  # the pair's smaller MMSI finds it: its reach covers it
            for dy in (-1, 0, 1):
                query, other = index.expand(in_order[near] + dy * 20_000 + dx)  # key of the cell (dy, dx) away
                query = index.order[near[query]]
                keep = g["m"][query] < g["m"][other]
                found_a.append(query[keep])
                found_b.append(other[keep])
        a, b = np.concatenate(found_a), np.concatenate(found_b)
        dist = hav_km(g["lat"][a], g["lon"][a], g["lat"][b], g["lon"][b]) * 1000
        keep = dist <= metres
        a, b, dist = a[keep], b[keep], dist[keep]
        # the median speed of each bucket in a pair: its positions' speeds sorted within the bucket
        group = np.repeat(np.arange(len(g["n"])), g["n"])
        needed = np.zeros(len(g["n"]), dtype=bool)
        needed[a] = needed[b] = True
        chosen = np.flatnonzero(needed[group])
        ordered = self.sog[chosen][np.lexsort((self.sog[chosen], group[chosen]))]
        n = g["n"][needed]
        begin = np.cumsum(n) - n
        medians = np.zeros(len(g["n"]))
        medians[needed] = (ordered[begin + (n - 1) // 2] + ordered[begin + n // 2]) / 2
        return {
            "a": g["m"][a],
            "b": g["m"][b],
            "bucket": g["b"][a],
            "lat": (g["lat"][a] + g["lat"][b]) / 2,
            "lon": (g["lon"][a] + g["lon"][b]) / 2,
            "first": np.minimum(g["first"][a], g["first"][b]),
            "last": np.maximum(g["last"][a], g["last"][b]),
            "metres": dist,
            "sog": (medians[a] + medians[b]) / 2,
        }

    def _pair_events(
        self, kind: str, metres: float, min_seconds: float, max_speed: float | None, port_km: float | None
    ) -> Events:
        near = self._near_pairs()
        rows = np.flatnonzero(near["metres"] <= metres)
        order = rows[np.lexsort((near["bucket"][rows], near["b"][rows], near["a"][rows]))]
        a, b, bucket = near["a"][order], near["b"][order], near["bucket"][order]
        if not len(order):
            return {}
        new = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (bucket[1:] != bucket[:-1] + 1)]
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:], len(order)]
        last_bucket = (self.data_end // 1_000_000) // (self.t.bucket_minutes * 60)
        out: Events = {}
        for s, e in zip(starts, ends, strict=True):
            if (e - s) * self.t.bucket_minutes * 60 < min_seconds:
                continue
            part = order[s:e]
            median_sog = float(np.median(near["sog"][part]))
            if max_speed is not None and not median_sog < max_speed:
                continue
            lat, lon = float(near["lat"][part].mean()), float(near["lon"][part].mean())
            if port_km is not None:
                off = self._offshore_nm(np.asarray([lat]), np.asarray([lon]))[0]
                if not off * NM_KM >= port_km:
                    continue
            start, end = int(near["first"][part].min()), int(near["last"][part].max())
            is_open = int(bucket[e - 1]) >= last_bucket
            details = ((end - start) / 3600e6, median_sog, float(near["metres"][part].min()))
            for mmsi, other in ((int(a[s]), int(b[s])), (int(b[s]), int(a[s]))):
                out[(kind, mmsi, start, None if is_open else end, other)] = details
        return out

    def detect_encounter(self) -> Events:
        t = self.t
        return self._pair_events(
            "encounter", t.encounter_m, t.encounter_hours * 3600, t.encounter_speed_kn, t.encounter_port_km
        )

    def detect_close_rendezvous(self) -> Events:
        t = self.t
        return self._pair_events("close_rendezvous", t.rendezvous_m, t.rendezvous_minutes * 60, None, None)

    def detect_area(self) -> Events:
        out: Events = {}
        for name, polygon in sorted(self.areas.items()):
            minx, miny, maxx, maxy = polygon.bounds
            box = (self.la >= miny) & (self.la <= maxy) & (self.lo >= minx) & (self.lo <= maxx)
            inside = np.zeros(len(self.la), dtype=bool)
            candidates = np.flatnonzero(box)
            inside[candidates] = _inside(polygon, self.lo[candidates], self.la[candidates])
            first, last = self._runs(inside)
            for f, e in zip(first, last, strict=True):
                end = None if int(self.us[e]) == self.data_end else int(self.us[e])
                hours = round((int(self.us[e]) - int(self.us[f])) / 3600e6, 3)
                details = (self.la[f], self.lo[f], name, hours, int(e - f + 1))
                out[("area_entry", int(self.m[f]), int(self.us[f]), end, name)] = details
                if hours >= self.t.dwell_hours:
                    out[("area_dwell", int(self.m[f]), int(self.us[f]), end, name)] = details
        return out

    def detect_port_visit(self) -> Events:
        t = self.t
        km = self.ports_near.nearest_km(self.la, self.lo, within=t.port_exit_km)
        first, last = self._runs(np.isfinite(km))
        out: Events = {}
        for f, e in zip(first, last, strict=True):
            entered = f + np.flatnonzero(km[f : e + 1] <= t.port_entry_km)
            if not len(entered):
                continue
            s = int(entered[0])
            end = None if int(self.us[e]) == self.data_end else int(self.us[e])
            hours = (int(self.us[e]) - int(self.us[s])) / 1e6 / 3600.0
            out[("port_visit", int(self.m[f]), int(self.us[s]), end, None)] = (hours, float(km[f : e + 1].min()))
        return out


# ----- Mitra's events, as compared ------------------------------------------------------------------


def _us(value: datetime | None) -> int | None:
    return None if value is None else round(value.replace(tzinfo=value.tzinfo or UTC).timestamp() * 1_000_000)


_DETAILS: dict[str, tuple[str, ...]] = {
    "ais_gap": ("hours", "offshore_nm", "open", "distance_nm"),
    "likely_disabling": ("hours", "offshore_nm", "open", "distance_nm"),
    "impossible_jump": ("implied_kn", "distance_nm", "from_lat", "from_lon"),
    "identity_conflict": ("implied_kn", "distance_nm", "from_lat", "from_lon"),
    "speed_band": ("band_kn", "max_sog", "minutes"),
    "loitering": ("hours", "mean_sog", "offshore_nm"),
    "encounter": ("hours", "median_sog", "min_distance_m"),
    "close_rendezvous": ("hours", "median_sog", "min_distance_m"),
    "port_visit": ("hours", "min_km"),
}


def as_compared(events: list[DetectedEvent]) -> Events:
    out: Events = {}
    for e in events:
        if e.event_type in ("area_entry", "area_dwell"):
            area = e.details["area"]
            out[(e.event_type, e.mmsi, _us(e.start), _us(e.end), area)] = (
                e.lat,
                e.lon,
                area,
                e.details["dwell_hours"],
                e.details["positions"],
            )
            continue
        values = []
        for name in _DETAILS[e.event_type]:
            value = e.details[name]
            values += list(value) if isinstance(value, list) else [value]
        other = e.details.get("other_mmsi")
        out[(e.event_type, e.mmsi, _us(e.start), _us(e.end), other)] = tuple(values)
    return out


def _close(mine: Any, theirs: Any) -> bool:
    if isinstance(mine, bool | str) or isinstance(theirs, bool | str) or mine is None or theirs is None:
        return bool(mine == theirs)
    return abs(float(mine) - float(theirs)) <= TOLERANCE


def check_same(detector: str, mitra: Events, peer: Events) -> int:
    """Assert the same events and details; return how many."""
    only_mitra, only_peer = mitra.keys() - peer.keys(), peer.keys() - mitra.keys()
    assert not only_mitra, (
        f"{detector}: {len(only_mitra)} events only Mitra found, e.g. {sorted(only_mitra, key=str)[:3]}"
    )
    assert not only_peer, (
        f"{detector}: {len(only_peer)} events only the peer found, e.g. {sorted(only_peer, key=str)[:3]}"
    )
    unlike = [
        (k, mitra[k], peer[k])
        for k in mitra
        if len(mitra[k]) != len(peer[k]) or not all(_close(a, b) for a, b in zip(mitra[k], peer[k], strict=True))
    ]
    assert not unlike, f"{detector}: {len(unlike)} events with other details, e.g. {unlike[:3]}"
    return len(mitra)


# ----- the race ----------------------------------------------------------------------------------


def race(
    name: str, mitra: Callable[[], Events], peer: Callable[[], Events]
) -> tuple[list[float], list[float], int, dict[str, int]]:
    mitra_runs: list[float] = []
    peer_runs: list[float] = []
    mine: Events = {}
    theirs: Events = {}
    for run in range(RUNS):  # alternating, so neither side always runs on a warmer machine
        for side in ("mitra", "peer") if run % 2 == 0 else ("peer", "mitra"):
            started = time.perf_counter()
            if side == "mitra":
                mine = mitra()
                mitra_runs.append(time.perf_counter() - started)
            else:
                theirs = peer()
                peer_runs.append(time.perf_counter() - started)
    count = check_same(name, mine, theirs)
    kinds: dict[str, int] = {}
    for key in mine:
        kinds[key[0]] = kinds.get(key[0], 0) + 1
    return mitra_runs, peer_runs, count, kinds


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    con = duckdb.connect()
    count = build(con, wanted)
    areas = default_areas()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
    vessels = con.execute("SELECT count(DISTINCT mmsi) FROM positions").fetchone()[0]  # type: ignore[index]
    load_start = load_average()
    print(f"positions: {count:,} ({vessels:,} vessels); DuckDB threads: {threads}; areas: {', '.join(sorted(areas))}")
    print(f"load average at start {load_start}; median of {RUNS} runs a side, alternating")

    def mitra_of(detectors: tuple[str, ...]) -> Callable[[], Events]:
        return lambda: as_compared(EventDetector(con, ports_dir=PORTS, areas=areas).run(detectors))

    def peer_of(detectors: tuple[str, ...]) -> Callable[[], Events]:
        def run() -> Events:
            peer = NumpyDetector(con, areas)
            found: Events = {}
            for detector in detectors:
                found |= peer.run(detector)
            return found

        return run

    results = []
    for detector in (*DETECTORS, "all"):
        chosen = DETECTORS if detector == "all" else (detector,)
        mitra_runs, peer_runs, events, kinds = race(detector, mitra_of(chosen), peer_of(chosen))
        mitra_rate, peer_rate = count / median(mitra_runs), count / median(peer_runs)
        results.append((detector, mitra_rate, peer_rate))
        print(
            f"{detector}: same {events:,} events ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))}); "
            f"mitra {median(mitra_runs):.2f} s (runs {', '.join(f'{t:.2f}' for t in mitra_runs)}), "
            f"peer {median(peer_runs):.2f} s (runs {', '.join(f'{t:.2f}' for t in peer_runs)}); "
            f"ratio {mitra_rate / peer_rate:.2f}"
        )
    load_end = load_average()
    print(f"load average at end {load_end}")
    for detector, mitra_rate, peer_rate in results:
        name = "ais_detect" if detector == "all" else f"ais_detect_{detector}"
        print(
            f"RESULT name={name} mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=positions/s "
            f"ratio={mitra_rate / peer_rate:.2f} peer_is=numpy_same_definitions load_start={load_start} "
            f"load_end={load_end}"
        )


if __name__ == "__main__":
    main()
