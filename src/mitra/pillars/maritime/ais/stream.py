"""Streaming detection: the batch detectors' definitions applied to positions as they arrive.

Every event of a one-vessel detector depends on a contiguous stretch of that vessel's track (ordered as the
batch orders it: ``ts, lat, lon``) and, for being still open, on the data's end (the newest time fed). So each
vessel keeps its recent positions (the *tail*), and when positions for it arrive, or the data's end passes
a time at which one of its events can change, its events over the tail are derived again with the same
definitions as :class:`~mitra.pillars.maritime.ais.detect.EventDetector` (same haversine, same grid of
ports, same rounding as DuckDB's ``round``) and compared with what it had: opened, updated, closed or
withdrawn. Late and out-of-order positions are thus handled as the batch path handles them: the affected
vessel is derived again over its window, and an event disproved is withdrawn, never reported twice.

The pair detectors (encounter, close rendezvous) work on the batch's clock-aligned buckets of
``bucket_minutes``: each vessel's bucket means (its positions' sums in the batch's order, over the count)
and median speed (DuckDB's ``median``: the two middle values interpolated), listed by (bucket, grid cell)
exactly as the batch's equi-join lists them (the first vessel's neighbourhood cells, the second's own cell),
so a bucket that changes meets only the vessels around it, never every other vessel. The rows found (the
batch's ``near_pairs``: haversine distance within the larger radius, the pair's midpoint, its mean of the two
medians) make, per pair, runs of consecutive buckets, each run an event for both vessels when long, slow and
far enough from a port (the ports grid's ``offshore_nm`` of the run's mean midpoint), rounded as the batch
rounds them (in Python), open while the run's last bucket is the data end's. A late position recomputes its
bucket, the pairs that touch the bucket are derived again, and what they no longer give is withdrawn.

What bounds the state of a vessel:

* **a time window** - positions older than ``late_hours`` behind the vessel's newest are dropped at a
  *quiet cut*: a point of the track that no run (speed band, area, port, slow hours) spans, so the events
  before it are final. Two positions are kept before the cut as context (a gap or jump from them is still
  derived). A position arriving before the cut is refused (``too_late``), counted and returned: the
  batch detector is the way to re-derive that far back;
* **a bucket window** (when the pair detectors run) - the positions of a vessel's buckets are held from the
  *bucket cut*, the bucket of the data's end less ``late_hours``; a position in an earlier bucket is refused
  (``too_late``) even for a vessel with no window of its own, as the pairs of that bucket are final. A pair
  keeps the rows of its runs that reach the cut (a run's median needs all its buckets); a run ended before
  the cut is final, its rows dropped and its events kept as found;
* **a cap per vessel** - ``max_positions``; a vessel over it with no quiet cut (a run longer than the
  cap) is cut anyway and named in ``inexact``: its events that span the cut may differ from the batch. So
  is a pair whose run holds more than ``max_positions`` buckets (both vessels named);
* **eviction** - a vessel idle for ``evict_hours`` keeps only its last two positions (what its open gap
  needs), when its last position is in no run.

Every detector is streamed (``STREAMED``; the preset ``stream`` of the batch names the same); a detector not
streamed would be refused (:class:`StreamRefused`) rather than silently differ. Open events whose only change
is their duration growing with the data's end (an open gap's hours) are not listed as updated on every feed;
:meth:`StreamDetector.events` always gives them as of now.

Equal to the batch means equal doubles: the stream adds a bucket's positions in time order and a run's
midpoints in bucket order, which is the order DuckDB adds them in when it aggregates on one thread (as on
every capture the tests and benchmarks/ais_stream.py compare). Where DuckDB splits an aggregation across
threads its sums may differ in the last bit, and so may a mean place, a distance at exactly a threshold or
a rounded distance at exactly half a millimetre.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import shapely
from shapely.geometry.base import BaseGeometry

from mitra.pillars.maritime.ais.detect import DETECTORS, PRESETS, DetectedEvent, Thresholds, load_ports
from mitra.pillars.maritime.ais.segments import EARTH_KM, NM_KM

STREAMED = PRESETS["stream"]  # every detector: the preset a batch run repeats to the stream's events
US_S = 1_000_000
US_H = 3_600 * US_S

# (time in microseconds since the epoch, lat, lon, sog or 0, km to the nearest port within port_exit_km or
# None, inside each area of interest): what a position is, worked out once when it arrives
Row = tuple[int, float, float, float, float | None, tuple[bool, ...]]
EventId = tuple[str, int, int, str | int | None]  # (type, mmsi, start us, area or other vessel)
_Held = tuple[str, int, int, str | int | None, tuple[float, ...] | None]  # EventId and the position it rests on


class StreamRefused(ValueError):
    """A detector the stream cannot (yet) run exactly as the batch does."""


def sql_round(value: float, digits: int = 3) -> float:
    """DuckDB's ``round(DOUBLE, n)``: the double's exact decimal value rounded, ties away from zero.

    Python's ``round`` rounds ties to even (0.0625 -> 0.062 where DuckDB gives 0.063).
    """
    return float(Decimal(value).quantize(_QUANTA[digits], rounding=ROUND_HALF_UP))


_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(7)}


def hav_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The detectors' ``hav_km`` macro, term for term (so the doubles agree)."""
    return (
        2
        * EARTH_KM
        * math.asin(
            math.sqrt(
                math.sin(math.radians(lat2 - lat1) / 2) ** 2
                + math.cos(math.radians(lat1))
                * math.cos(math.radians(lat2))
                * math.sin(math.radians(lon2 - lon1) / 2) ** 2
            )
        )
    )


def _nearest_km(lat: float, lon: float, cell: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]) -> float:
    """The least ``hav_km`` from the point to the cell's ports, exactly as the SQL's scalar ``min`` gives it.

    NumPy's vectorised sines may differ from the C library's in the last bit, so NumPy only picks the
    candidates (within a relative 1e-9 of its minimum) and the scalar formula decides among them.
    """
    lats, lons = cell
    rad = np.pi / 180.0
    a = (
        np.sin((lats - lat) * rad / 2) ** 2
        + math.cos(lat * rad) * np.cos(lats * rad) * np.sin((lons - lon) * rad / 2) ** 2
    )
    rough = 2 * EARTH_KM * np.arcsin(np.sqrt(a))
    close = np.flatnonzero(rough <= rough.min() * (1 + 1e-9) + 1e-9)
    return min(hav_km(lat, lon, float(lats[i]), float(lons[i])) for i in close)


class PortGrid:
    """The ports and anchorages, listed by grid cell as the batch SQL lists them (``ports_far``, ``ports_near``)."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        lats = np.array([p[0] for p in points], dtype=np.float64)
        lons = np.array([p[1] for p in points], dtype=np.float64)
        self.far = self._cells(lats, lons, np.floor(lats), np.floor(lons), (-1, 0, 1), (-2, -1, 0, 1, 2))
        self.near = self._cells(lats, lons, np.floor(lats * 10), np.floor(lons * 10), (-1, 0, 1), (-1, 0, 1))
        self.count = len(points)
        self._offshore: dict[tuple[float, float], float] = {}
        self._nearest: dict[tuple[float, float], float] = {}  # near_many's: a point's least distance to its cell

    @staticmethod
    def _cells(
        lats: np.ndarray[Any, Any],
        lons: np.ndarray[Any, Any],
        cell_y: np.ndarray[Any, Any],
        cell_x: np.ndarray[Any, Any],
        dys: tuple[int, ...],
        dxs: tuple[int, ...],
    ) -> dict[tuple[int, int], tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        """Each point listed in its own cell and the cells ``dys`` x ``dxs`` around it, in the points' order
        (as a per-point loop would list them), built with one sort rather than a Python loop per point."""
        ys = np.concatenate([cell_y + dy for dy in dys for _ in dxs]).astype(np.int64)
        xs = np.concatenate([cell_x + dx for _ in dys for dx in dxs]).astype(np.int64)
        order_in = np.tile(np.arange(len(lats)), len(dys) * len(dxs))
        order = np.lexsort((order_in, xs, ys))
        ys, xs = ys[order], xs[order]
        all_lats, all_lons = np.tile(lats, len(dys) * len(dxs))[order], np.tile(lons, len(dys) * len(dxs))[order]
        if len(ys) == 0:
            return {}
        starts = np.flatnonzero(np.r_[True, (ys[1:] != ys[:-1]) | (xs[1:] != xs[:-1])])
        ends = np.r_[starts[1:], len(ys)]
        return {
            (int(ys[a]), int(xs[a])): (all_lats[a:b], all_lons[a:b])
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
        }

    @classmethod
    def from_dir(cls, ports_dir: Path | None) -> PortGrid:
        """The same CSV files read the same way (DuckDB's reader) as the batch detector reads them."""
        con = duckdb.connect()
        try:
            load_ports(con, ports_dir)
            rows = con.execute("SELECT lat, lon FROM ports").fetchall()
        finally:
            con.close()
        return cls([(float(a), float(b)) for a, b in rows])

    def offshore_nm(self, lat: float, lon: float) -> float:
        """Nautical miles to the nearest port in the surrounding cells (999 if none), remembered for the
        last points asked: a gap is derived again each time its vessel reports, from the same two points."""
        key = (lat, lon)
        known = self._offshore.get(key)
        if known is not None:
            return known
        cell = self.far.get((math.floor(lat), math.floor(lon)))
        found = _nearest_km(lat, lon, cell) / NM_KM if cell is not None else 999.0
        if len(self._offshore) >= 100_000:
            self._offshore.clear()  # bounded: forgetting costs a recomputation, never a wrong answer
        self._offshore[key] = found
        return found

    def near_km(self, lat: float, lon: float, within: float) -> float | None:
        """Distance to the nearest port in the point's 0.1-degree neighbourhood, if one is within ``within`` km."""
        cell = self.near.get((math.floor(lat * 10), math.floor(lon * 10)))
        if cell is None:
            return None
        best = _nearest_km(lat, lon, cell)
        return best if best <= within else None

    def near_many(self, lats: np.ndarray[Any, Any], lons: np.ndarray[Any, Any], within: float) -> list[float | None]:
        """:meth:`near_km` of each point, the same values, for a batch: the points of one cell are measured to its
        ports together (one NumPy call per cell, not per point), then the scalar formula decides among each
        point's candidates as :func:`_nearest_km` does. A point asked before (a moored vessel reports one place
        again and again) is remembered."""
        out: list[float | None] = [None] * len(lats)
        if not len(lats) or not self.near:
            return out
        ys, xs = np.floor(lats * 10).astype(np.int64), np.floor(lons * 10).astype(np.int64)
        order = np.lexsort((xs, ys))
        ys_sorted, xs_sorted = ys[order], xs[order]
        starts = np.flatnonzero(np.r_[True, (ys_sorted[1:] != ys_sorted[:-1]) | (xs_sorted[1:] != xs_sorted[:-1])])
        ends = np.r_[starts[1:], len(order)]
        known = self._nearest
        if len(known) >= 100_000:
            known.clear()  # bounded: forgetting costs a recomputation, never a wrong answer
        rad = np.pi / 180.0
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            cell = self.near.get((int(ys_sorted[a]), int(xs_sorted[a])))
            if cell is None:
                continue
            cell_lats, cell_lons = cell
            members = [i for i in order[a:b].tolist() if (float(lats[i]), float(lons[i])) not in known]
            if members:
                p_lat, p_lon = lats[members][:, None], lons[members][:, None]
                h = (
                    np.sin((cell_lats[None, :] - p_lat) * rad / 2) ** 2
                    + np.cos(p_lat * rad)
                    * np.cos(cell_lats[None, :] * rad)
                    * np.sin((cell_lons[None, :] - p_lon) * rad / 2) ** 2
                )
                rough = 2 * EARTH_KM * np.arcsin(np.sqrt(h))
                close = rough <= rough.min(axis=1)[:, None] * (1 + 1e-9) + 1e-9
                single = (close.sum(axis=1) == 1).tolist()
                first = close.argmax(axis=1).tolist()
                for row, index in enumerate(members):
                    lat, lon = float(lats[index]), float(lons[index])
                    if single[row]:
                        i = first[row]
                        known[(lat, lon)] = hav_km(lat, lon, float(cell_lats[i]), float(cell_lons[i]))
                    else:
                        known[(lat, lon)] = min(
                            hav_km(lat, lon, float(cell_lats[i]), float(cell_lons[i]))
                            for i in np.flatnonzero(close[row]).tolist()
                        )
            for index in order[a:b].tolist():
                best = known[(float(lats[index]), float(lons[index]))]
                out[index] = best if best <= within else None
        return out


@dataclass
class StreamChanges:
    """What one feed changed, and what it could not take."""

    opened: list[DetectedEvent] = field(default_factory=list)
    updated: list[DetectedEvent] = field(default_factory=list)
    closed: list[DetectedEvent] = field(default_factory=list)
    withdrawn: list[DetectedEvent] = field(default_factory=list)
    too_late: int = 0  # positions before their vessel's cut: refused (run the batch detector for them)
    rejected: list[str] = field(default_factory=list)  # rows without a time or a position, each with where and why

    def __bool__(self) -> bool:
        return bool(self.opened or self.updated or self.closed or self.withdrawn)


def event_id(event: DetectedEvent) -> EventId:
    """Finer than ``DetectedEvent.key``: one vessel can enter two areas, or meet two others, at one time."""
    extra = event.details.get("area", event.details.get("other_mmsi"))
    return (event.event_type, event.mmsi, _us(event.start), extra)


def _held_key(event: DetectedEvent) -> _Held:
    """Unique within a vessel: two events of a kind can start at one time when positions share it. A jump is
    known by the position it jumps to (its end, lat, lon); others by the position they start at; a loitering
    (whose place is a mean that moves as it grows) by its start alone, as no two loiterings share one."""
    if event.event_type == "loitering":
        return (*event_id(event), None)
    if event.event_type in ("impossible_jump", "identity_conflict"):
        assert event.end is not None
        return (*event_id(event), (_us(event.end), event.lat, event.lon))
    return (*event_id(event), (event.lat, event.lon))


def _us(value: datetime) -> int:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    delta = aware - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US_S + delta.microseconds


def _at(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, UTC)


def _make(kind: str, mmsi: int, start: int, end: int | None, lat: float, lon: float, **details: Any) -> DetectedEvent:
    return DetectedEvent(kind, mmsi, _at(start), None if end is None else _at(end), lat, lon, details)


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) index of each run of consecutive true flags."""
    out: list[tuple[int, int]] = []
    start = -1
    for i, flag in enumerate(flags):
        if flag and start < 0:
            start = i
        elif not flag and start >= 0:
            out.append((start, i - 1))
            start = -1
    if start >= 0:
        out.append((start, len(flags) - 1))
    return out


# ----- the pair detectors -------------------------------------------------------------------------

PairKey = tuple[int, int]  # (smaller mmsi, larger): the batch's (a, b)
Cell = tuple[int, int]
# a row of the batch's ``near_pairs``: (bucket, mid lat, mid lon, first us, last us, metres, the pair's speed)
NearRow = tuple[int, float, float, int, int, float, float]


def _plain_sum(values: Iterable[float]) -> float:
    """Left to right, as DuckDB's ``sum``/``avg`` of doubles add them (Python 3.12's ``sum`` compensates)."""
    return functools.reduce(operator.add, values, 0.0)


def duckdb_median(values: Sequence[float]) -> float:
    """DuckDB's ``median`` of doubles (``quantile_cont`` at 0.5): the middle value, or, of an even count, the
    two middle ones interpolated as DuckDB does (``lo * (1 - 0.5) + hi * 0.5``); NaN sorts last."""
    ordered = sorted(values, key=lambda v: (v != v, v))  # noqa: PLR0124 - NaN is the one value unequal to itself
    k = (len(ordered) - 1) // 2
    if len(ordered) % 2:
        return ordered[k]
    return ordered[k] * (1.0 - 0.5) + ordered[k + 1] * 0.5


def _duckdb_literals(*values: float) -> tuple[float, ...]:
    """The doubles DuckDB makes of ``values`` written into SQL text as the batch writes them (a decimal
    literal, cast to DOUBLE where it meets one): a 17-digit literal is a wide DECIMAL, whose cast may
    round otherwise than Python's parse."""
    con = duckdb.connect()
    try:
        row = con.execute("SELECT " + ", ".join(f"0.0::DOUBLE + {v}" for v in values)).fetchone()
    finally:
        con.close()
    assert row is not None
    return tuple(float(v) for v in row)


def _trunc_div(value: int, by: int) -> int:
    """DuckDB's integer ``//``: rounds toward zero (Python's floors)."""
    return value // by if value >= 0 else -(-value // by)


@dataclass(slots=True)
class _BucketMean:
    """One vessel's bucket as the batch's ``buckets`` and ``cells`` give it."""

    lat: float
    lon: float
    first: int
    last: int
    sog: float | None  # the median speed of the bucket's positions, once a pair needs it (as the batch's)
    cell: Cell  # its own grid cell
    spread: tuple[Cell, ...]  # the cells its neighbourhood touches
    sums: tuple[float, float, int]  # the sums of lat and lon over the first n positions, added in order


@dataclass(frozen=True)
class _PairRule:
    """One pair detector's thresholds, as the batch's ``_pairs`` applies them (port_km: compared in Python)."""

    kind: str
    metres: float
    seconds: float
    max_speed: float | None
    port_km: float | None


class _PairWindow:
    """Encounter and close rendezvous over the window's bucket means, found as the batch finds them.

    Per vessel, the positions of its buckets at or after the *bucket cut* (the data end less the window,
    in buckets; positions before it are refused), so that a late position recomputes its bucket's sums in
    the batch's order. The means are listed by (bucket, grid cell) as the batch's equi-join lists them,
    so a changed bucket meets only the vessels of its neighbourhood. Per pair, the ``near_pairs`` rows of
    its runs that reach the window (a run's median needs all its buckets) and the events derived from them;
    a run ended before the cut is final and its events are kept as found.
    """

    def __init__(
        self, t: Thresholds, ports: PortGrid, kinds: Iterable[str], late_us: int, max_rows: int, inexact: set[int]
    ) -> None:
        self.t, self.ports = t, ports
        self.width = t.bucket_minutes * 60 * US_S
        self.late_us, self.max_rows, self.inexact = late_us, max_rows, inexact
        radius = max(t.encounter_m, t.rendezvous_m)
        cell = max(0.05, 4 * radius / 111_195.0)  # the batch's grid, degrees
        dlat = radius / 111_195.0 * 1.01 + 1e-9
        literals = _duckdb_literals(radius, cell, dlat, t.encounter_m, t.rendezvous_m, t.encounter_speed_kn)
        self.radius, self.cell, self.dlat, encounter_m, rendezvous_m, encounter_kn = literals
        self.rules: list[_PairRule] = []
        if "encounter" in kinds:
            rule = _PairRule("encounter", encounter_m, t.encounter_hours * 3600, encounter_kn, t.encounter_port_km)
            self.rules.append(rule)
        if "close_rendezvous" in kinds:
            self.rules.append(_PairRule("close_rendezvous", rendezvous_m, t.rendezvous_minutes * 60, None, None))
        self.positions: dict[int, dict[int, list[Row]]] = {}  # mmsi -> bucket -> positions, in the batch's order
        self.vessels_at: dict[int, set[int]] = {}  # bucket -> vessels with positions in it
        self.means: dict[tuple[int, int], _BucketMean] = {}  # (mmsi, bucket)
        self.own: dict[int, dict[Cell, set[int]]] = {}  # bucket -> cell -> vessels whose mean is in it
        self.spread: dict[int, dict[Cell, set[int]]] = {}  # bucket -> cell -> vessels whose neighbourhood touches it
        self.rows: dict[PairKey, dict[int, NearRow]] = {}
        self.partners: dict[tuple[int, int], set[int]] = {}  # (mmsi, bucket) -> the vessels it has a row with
        self.pairs_at: dict[int, set[PairKey]] = {}  # bucket -> pairs with a row in it
        self.derived: dict[PairKey, dict[EventId, DetectedEvent]] = {}
        self.frozen: dict[EventId, DetectedEvent] = {}  # events of runs ended before the cut: final
        self.cut: int | None = None  # positions in earlier buckets are refused
        self.end_bucket: int | None = None  # the bucket of the data's end, as the batch's open rule takes it
        self._dirty: set[tuple[int, int]] = set()
        self._resum: set[tuple[int, int]] = set()  # buckets that took a position before their last

    def bucket(self, us: int) -> int:
        return _trunc_div(us, self.width)

    def refuses(self, us: int) -> bool:
        return self.cut is not None and self.bucket(us) < self.cut

    def add(self, mmsi: int, rows: Sequence[Row]) -> None:
        """Positions accepted for ``mmsi`` (sorted as the batch sorts them)."""
        held = self.positions.setdefault(mmsi, {})
        width = self.width
        for row in rows:
            b = row[0] // width if row[0] >= 0 else -(-row[0] // width)  # as bucket(): inlined, for speed
            part = held.get(b)
            if part is None:
                held[b] = [row]
                self.vessels_at.setdefault(b, set()).add(mmsi)
            elif row[:3] >= part[-1][:3]:
                part.append(row)
            else:
                bisect.insort(part, row, key=lambda r: r[:3])
                self._resum.add((mmsi, b))  # not at the end: the sums are added again from the first
            self._dirty.add((mmsi, b))

    def update(self, data_end: int, changes: StreamChanges) -> None:
        """Buckets changed since the last update and the data's end moved to ``data_end``: the pairs touching
        them derived again, what changed put in ``changes``; then the window moved on."""
        dirty, self._dirty = self._dirty, set()
        for mmsi, b in dirty:
            self._place(mmsi, b)
        candidates: set[tuple[PairKey, int]] = set()
        for mmsi, b in dirty:
            candidates.update((key, b) for key in self._candidates(mmsi, b))
        touched = {key for key, b in candidates if self._near_row(key, b)}
        end_bucket = int(data_end / US_S) // (self.t.bucket_minutes * 60)  # as _pair_events takes it
        if end_bucket != self.end_bucket:
            if self.end_bucket is not None:
                touched |= self.pairs_at.get(self.end_bucket, set())  # runs open there close now
            self.end_bucket = end_bucket
        for key in sorted(touched):
            self._rederive(key, changes)
        self._prune(data_end)

    def events(self) -> list[DetectedEvent]:
        return [*self.frozen.values(), *(e for events in self.derived.values() for e in events.values())]

    def size(self) -> tuple[int, int]:
        """(positions held in bucket lists, near rows held)."""
        held = sum(len(part) for buckets in self.positions.values() for part in buckets.values())
        return held, sum(len(rows) for rows in self.rows.values())

    # ----- buckets and neighbours ---------------------------------------------------------------

    def _place(self, mmsi: int, b: int) -> None:
        """The bucket's mean and cells computed again (the batch's ``buckets``, ``cells``, ``spread``); its
        median speed is computed when a pair needs it, as the batch computes it for the buckets of pairs only."""
        old = self.means.get((mmsi, b))
        own, spread = self.own.setdefault(b, {}), self.spread.setdefault(b, {})
        if old is not None:
            own[old.cell].discard(mmsi)
            for cell in old.spread:
                spread[cell].discard(mmsi)
        part = self.positions[mmsi][b]
        n = len(part)
        slat, slon, done = 0.0, 0.0, 0
        if old is not None and (mmsi, b) not in self._resum:
            slat, slon, done = old.sums  # positions only appended since: adding on is adding in order
        self._resum.discard((mmsi, b))
        slat = functools.reduce(operator.add, (r[1] for r in part[done:]), slat)
        slon = functools.reduce(operator.add, (r[2] for r in part[done:]), slon)
        lat, lon = slat / n, slon / n
        dlat, size = self.dlat, self.cell
        dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 90.0))), 0.01)
        y0, y1 = math.floor((lat - dlat) / size), math.floor((lat + dlat) / size)
        x0, x1 = math.floor((lon - dlon) / size), math.floor((lon + dlon) / size)
        if x1 - x0 <= 1:  # the batch's ``spread``, union by union
            cells = [(y0, x0)]
            if y1 > y0:
                cells.append((y1, x0))
            if x1 - x0 == 1:
                cells.append((y0, x1))
                if y1 > y0:
                    cells.append((y1, x1))
        else:
            cells = [(y, x) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
        mean = _BucketMean(
            lat,
            lon,
            part[0][0],
            part[-1][0],
            None,
            (math.floor(lat / size), math.floor(lon / size)),
            tuple(cells),
            (slat, slon, n),
        )
        self.means[(mmsi, b)] = mean
        own.setdefault(mean.cell, set()).add(mmsi)
        for cell in mean.spread:
            spread.setdefault(cell, set()).add(mmsi)

    def _candidates(self, mmsi: int, b: int) -> set[PairKey]:
        """Every pair of ``mmsi`` the batch's join could find in bucket ``b``, and those it has a row with."""
        mean = self.means[(mmsi, b)]
        own, spread = self.own[b], self.spread[b]
        found = {(mmsi, other) for cell in mean.spread for other in own.get(cell, ()) if other > mmsi}
        found.update((other, mmsi) for other in spread.get(mean.cell, ()) if other < mmsi)
        found.update((min(mmsi, o), max(mmsi, o)) for o in self.partners.get((mmsi, b), ()))
        return found

    def _median(self, mmsi: int, b: int, mean: _BucketMean) -> float:
        if mean.sog is None:
            mean.sog = duckdb_median([r[3] for r in self.positions[mmsi][b]])
        return mean.sog

    def _near_row(self, key: PairKey, b: int) -> bool:
        """The pair's ``near_pairs`` row in bucket ``b`` derived again; whether it changed."""
        a, c = key
        p, q = self.means.get((a, b)), self.means.get((c, b))
        new: NearRow | None = None
        if p is not None and q is not None and q.cell in p.spread:
            metres = hav_km(p.lat, p.lon, q.lat, q.lon) * 1000
            if metres <= self.radius:
                new = (
                    b,
                    (p.lat + q.lat) / 2,
                    (p.lon + q.lon) / 2,
                    min(p.first, q.first),
                    max(p.last, q.last),
                    metres,
                    (self._median(a, b, p) + self._median(c, b, q)) / 2,
                )
        rows = self.rows.get(key)
        old = rows.get(b) if rows is not None else None
        if new == old:
            return False
        if new is None:
            assert rows is not None
            del rows[b]
            if not rows:
                del self.rows[key]
            self.partners[(a, b)].discard(c)
            self.partners[(c, b)].discard(a)
            self.pairs_at[b].discard(key)
        else:
            self.rows.setdefault(key, {})[b] = new
            self.partners.setdefault((a, b), set()).add(c)
            self.partners.setdefault((c, b), set()).add(a)
            self.pairs_at.setdefault(b, set()).add(key)
        return True

    # ----- events -------------------------------------------------------------------------------

    def _rederive(self, key: PairKey, changes: StreamChanges) -> None:
        before = self.derived.get(key, {})
        after = self._derive(key)
        _compare(before, after, changes)
        if after:
            self.derived[key] = after
        else:
            self.derived.pop(key, None)

    def _derive(self, key: PairKey) -> dict[EventId, DetectedEvent]:
        """The batch's ``_pairs`` and ``_pair_events`` over the pair's rows."""
        held = self.rows.get(key)
        if not held:
            return {}
        rows = [held[b] for b in sorted(held)]
        out: dict[EventId, DetectedEvent] = {}
        seconds = self.t.bucket_minutes * 60
        for rule in self.rules:
            near = [r for r in rows if r[5] <= rule.metres]
            i = 0
            while i < len(near):
                j = i + 1
                while j < len(near) and near[j][0] == near[j - 1][0] + 1:
                    j += 1
                run, i = near[i:j], j
                if not len(run) * seconds >= rule.seconds:
                    continue
                median_sog = duckdb_median([r[6] for r in run])
                if rule.max_speed is not None and not median_sog < rule.max_speed:
                    continue
                lat, lon = _plain_sum(r[1] for r in run) / len(run), _plain_sum(r[2] for r in run) / len(run)
                if rule.port_km is not None and not self.ports.offshore_nm(lat, lon) * NM_KM >= rule.port_km:
                    continue
                start, end = min(r[3] for r in run), max(r[4] for r in run)
                is_open = self.end_bucket is not None and run[-1][0] >= self.end_bucket
                details = {
                    "hours": round((end - start) / 3600e6, 3),  # the batch rounds these in Python
                    "median_sog": round(median_sog, 3),
                    "min_distance_m": round(min(r[5] for r in run), 3),
                }
                for mmsi, other in (key, key[::-1]):
                    event = _make(rule.kind, mmsi, start, None if is_open else end, lat, lon, other_mmsi=other)
                    event.details.update(details)
                    out[event_id(event)] = event
        return out

    # ----- bounds -------------------------------------------------------------------------------

    def _prune(self, data_end: int) -> None:
        """Move the bucket cut to the data end less the window: older buckets are dropped; a pair's runs that
        end before the cut are final (no row can join them) and their rows are dropped, their events kept."""
        cut = self.bucket(data_end - self.late_us)
        if self.cut is not None and cut <= self.cut:
            return
        self.cut = cut
        for b in [b for b in self.vessels_at if b < cut]:
            for mmsi in self.vessels_at.pop(b):
                parts = self.positions[mmsi]
                del parts[b]
                if not parts:
                    del self.positions[mmsi]
                self.means.pop((mmsi, b), None)
                self.partners.pop((mmsi, b), None)
            self.own.pop(b, None)
            self.spread.pop(b, None)
        settled: set[PairKey] = set()
        for b in [b for b in self.pairs_at if b < cut - 1]:
            settled |= self.pairs_at.pop(b)
        for key in settled:
            held = self.rows.get(key)
            if held is None:
                continue
            buckets = sorted(held)
            first_kept = len(buckets)  # the first row of the first run that reaches the cut - 1
            i = 0
            while i < len(buckets):
                j = i
                while j + 1 < len(buckets) and buckets[j + 1] == buckets[j] + 1:
                    j += 1
                if buckets[j] >= cut - 1:  # bucket ``cut`` may still join this run
                    first_kept = i
                    break
                i = j + 1
            if len(buckets) - first_kept > self.max_rows:  # a run longer than the cap: cut anyway, inexact
                first_kept = len(buckets) - self.max_rows // 2
                self.inexact.update(key)
            if first_kept == 0:
                continue
            for b in buckets[:first_kept]:
                del held[b]
            if not held:
                del self.rows[key]
            before = self.derived.pop(key, {})
            after = self._derive(key)
            self.frozen.update((k, e) for k, e in before.items() if k not in after)
            if after:
                self.derived[key] = after


def _compare(before: Mapping[Any, DetectedEvent], after: Mapping[Any, DetectedEvent], changes: StreamChanges) -> None:
    """Opened, closed, updated and withdrawn from one derivation to the next."""
    for key, event in after.items():
        old = before.get(key)
        if old is None:
            changes.opened.append(event)
        elif old.end is None and event.end is not None:
            changes.closed.append(event)
        elif (old.end, old.lat, old.lon, old.details, old.event_type) != (
            event.end,
            event.lat,
            event.lon,
            event.details,
            event.event_type,
        ):
            changes.updated.append(event)
    changes.withdrawn.extend(event for key, event in before.items() if key not in after)


@dataclass
class _Vessel:
    mmsi: int
    context: list[Row] = field(default_factory=list)  # up to two positions before the cut
    rows: list[Row] = field(default_factory=list)  # the tail, sorted as the batch sorts (ts, lat, lon)
    floor: Row | None = None  # positions sorting before this are refused
    floor_hour: int | None = None  # after eviction: positions in this clock hour or before are refused
    frozen: dict[_Held, DetectedEvent] = field(default_factory=dict)  # final events before the cut
    derived: dict[_Held, DetectedEvent] = field(default_factory=dict)  # events derived from context + tail
    next_clock: int | None = None  # the data end at which its events change next without a position

    @property
    def newest(self) -> int:
        return self.rows[-1][0] if self.rows else self.context[-1][0]

    def events(self) -> dict[_Held, DetectedEvent]:
        return {**self.frozen, **self.derived}


class StreamDetector:
    """Takes positions batch by batch and keeps, per vessel, what the batch detectors would find over them."""

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        *,
        areas: Mapping[str, BaseGeometry] | None = None,
        ports_dir: Path | None = None,
        ports: PortGrid | None = None,
        detectors: Sequence[str] = STREAMED,
        late_hours: float | None = None,
        evict_hours: float | None = None,
        max_positions: int = 20_000,
    ) -> None:
        unknown = [d for d in detectors if d not in DETECTORS]
        if unknown:
            raise ValueError(f"unknown detector {unknown[0]!r}; known: {', '.join(DETECTORS)}")
        missing = [d for d in detectors if d not in STREAMED]
        if missing:
            raise StreamRefused(
                f"the stream does not run {', '.join(missing)} yet (it would not give the batch's events); "
                f"streamed: {', '.join(STREAMED)}; run `mitra ais detect` for the others"
            )
        self.t = thresholds or Thresholds()
        self.detectors = frozenset(detectors)
        self.areas = dict(sorted((areas or {}).items()))
        self.ports = ports if ports is not None else PortGrid.from_dir(ports_dir)
        longest = max(self.t.gap_hours, self.t.disabling_hours, self.t.loiter_hours, self.t.dwell_hours, 1.0)
        self.late_us = int((late_hours if late_hours is not None else longest) * US_H)
        self.evict_us = int((evict_hours if evict_hours is not None else longest) * US_H)
        if self.late_us < US_H or self.evict_us < self.late_us:
            raise ValueError("late_hours must be at least 1 and evict_hours at least late_hours")
        self.max_positions = max_positions
        self.data_end: int | None = None
        self.vessels: dict[int, _Vessel] = {}
        self.inexact: set[int] = set()  # vessels cut over the cap inside a run (of their own or of a pair)
        kinds = self.detectors & {"encounter", "close_rendezvous"}
        self.pairs: _PairWindow | None = None  # the pair detectors' state, when they run
        if kinds:
            self.pairs = _PairWindow(self.t, self.ports, kinds, self.late_us, max_positions, self.inexact)
        self._clock: list[tuple[int, int]] = []  # (data end at which a vessel's events may change, mmsi)
        self._idle: list[tuple[int, int]] = []  # (newest time, mmsi): eviction candidates
        self.evicted = 0
        self.positions = 0
        self._times: list[int] = []  # filled while deriving: data ends at which a derived event changes

    # ----- input --------------------------------------------------------------------------------

    def _rows(self, rows: pa.Table | Sequence[Sequence[Any]], changes: StreamChanges) -> dict[int, list[Row]]:
        if isinstance(rows, pa.Table):
            missing = {"mmsi", "ts", "lat", "lon", "sog"} - set(rows.column_names)
            if missing:
                raise ValueError(f"positions table lacks column(s) {', '.join(sorted(missing))}")
            ts = rows.column("ts")
            if pa.types.is_timestamp(ts.type):
                ts = ts.cast(pa.timestamp("us", tz=ts.type.tz))
                times: list[Any] = ts.cast(pa.int64()).to_pylist()
            else:
                raise ValueError(f"positions column ts has type {ts.type}, not a timestamp")
            tuples: Iterable[Sequence[Any]] = zip(
                rows.column("mmsi").to_pylist(),
                times,
                rows.column("lat").to_pylist(),
                rows.column("lon").to_pylist(),
                rows.column("sog").to_pylist(),
                strict=True,
            )
        else:
            tuples = rows
        kept: list[tuple[int, int, float, float, float]] = []
        for index, (mmsi, at, lat, lon, sog) in enumerate(tuples):
            if mmsi is None or at is None or lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
                changes.rejected.append(
                    f"row {index}: mmsi, time, lat and lon are all needed (got {mmsi}, {at}, {lat}, {lon})"
                )
                continue
            us = at if isinstance(at, int) else _us(at)
            kept.append((int(mmsi), us, float(lat), float(lon), 0.0 if sog is None else float(sog)))
        lat_array = np.fromiter((k[2] for k in kept), dtype=np.float64, count=len(kept))
        lon_array = np.fromiter((k[3] for k in kept), dtype=np.float64, count=len(kept))
        inside = [shapely.contains_xy(g, lon_array, lat_array).tolist() for g in self.areas.values()]
        exit_km, with_ports = self.t.port_exit_km, "port_visit" in self.detectors and self.ports.count > 0
        near = self.ports.near_many(lat_array, lon_array, exit_km) if with_ports else [None] * len(kept)
        by_vessel: dict[int, list[Row]] = {}
        for i, (mmsi, us, lat, lon, sog) in enumerate(kept):
            by_vessel.setdefault(mmsi, []).append((us, lat, lon, sog, near[i], tuple(a[i] for a in inside)))
        return by_vessel

    def feed(self, rows: pa.Table | Sequence[Sequence[Any]]) -> StreamChanges:
        """Take a batch of positions (mmsi, ts, lat, lon, sog; any order) and return what changed."""
        changes = StreamChanges()
        by_vessel = self._rows(rows, changes)
        touched: set[int] = set()
        newest = self.data_end
        for mmsi, new in by_vessel.items():
            vessel = self.vessels.get(mmsi) or _Vessel(mmsi)
            accepted = [r for r in new if not self._too_late(vessel, r)]
            changes.too_late += len(new) - len(accepted)
            if not accepted:
                continue
            self.vessels[mmsi] = vessel
            self.positions += len(accepted)
            accepted.sort(key=lambda r: r[:3])
            if vessel.rows and accepted[0][:3] >= vessel.rows[-1][:3]:
                vessel.rows.extend(accepted)
            else:
                for row in accepted:
                    bisect.insort(vessel.rows, row, key=lambda r: r[:3])
            if self.pairs is not None:
                self.pairs.add(mmsi, accepted)
            touched.add(mmsi)
            top = accepted[-1][0]
            newest = top if newest is None or top > newest else newest
        self._advance(newest, touched, changes)
        for mmsi in touched:
            vessel = self.vessels[mmsi]
            heapq.heappush(self._idle, (vessel.newest, mmsi))
            self._prune(vessel)
        self._evict_idle()
        return changes

    def _advance(self, newest: int | None, touched: set[int], changes: StreamChanges) -> None:
        """Move the data's end to ``newest`` and derive again every vessel whose events that can change."""
        affected = set(touched)
        if newest is not None and newest != self.data_end:
            self.data_end = newest
            while self._clock and self._clock[0][0] <= newest:
                at, mmsi = heapq.heappop(self._clock)
                vessel = self.vessels.get(mmsi)
                if vessel is not None and vessel.next_clock == at:
                    affected.add(mmsi)
        for mmsi in sorted(affected):
            vessel = self.vessels.get(mmsi)
            if vessel is not None:
                self._rederive(vessel, changes)
        if self.pairs is not None and self.data_end is not None:
            self.pairs.update(self.data_end, changes)

    def _too_late(self, vessel: _Vessel, row: Row) -> bool:
        if vessel.floor is not None and row[:3] < vessel.floor[:3]:
            return True
        if self.pairs is not None and self.pairs.refuses(row[0]):
            return True  # its bucket's pairs are final: taking it would change what no longer can change
        return vessel.floor_hour is not None and row[0] // US_H <= vessel.floor_hour

    # ----- results ------------------------------------------------------------------------------

    def events(self) -> list[DetectedEvent]:
        """Every event as the batch run over all positions fed so far would give it, in the batch's order."""
        if self.data_end is None:
            return []
        out: list[DetectedEvent] = []
        for mmsi in sorted(self.vessels):
            vessel = self.vessels[mmsi]
            self._rederive_open_gap(vessel)
            out.extend(vessel.events().values())
        if self.pairs is not None:
            out.extend(self.pairs.events())
        out.sort(key=lambda e: (DETECTORS.index(_detector_of(e.event_type)), e.mmsi, e.start, str(event_id(e)[3])))
        return out

    def flush(self, *, at_end: datetime | None = None) -> tuple[StreamChanges, list[DetectedEvent]]:
        """What changed and the current events; ``at_end`` moves the data's end on (time passed with no
        position, as on a live feed: gaps open, events at the old end close). Without it the events are
        those of the batch run over every position fed."""
        changes = StreamChanges()
        if at_end is not None and (self.data_end is None or _us(at_end) > self.data_end):
            self._advance(_us(at_end), set(), changes)
            self._evict_idle()
        return changes, self.events()

    def state_size(self) -> tuple[int, int]:
        """(vessels held, positions held): what bounds the memory."""
        return len(self.vessels), sum(len(v.rows) + len(v.context) for v in self.vessels.values())

    def pair_state_size(self) -> tuple[int, int]:
        """(positions held in the pair detectors' buckets, rows of near pairs held): what bounds their memory."""
        return self.pairs.size() if self.pairs is not None else (0, 0)

    # ----- derivation ---------------------------------------------------------------------------

    def _rederive(self, vessel: _Vessel, changes: StreamChanges) -> None:
        before = vessel.derived
        vessel.derived = self._derive(vessel)
        _compare(before, vessel.derived, changes)
        self._schedule(vessel)

    def _rederive_open_gap(self, vessel: _Vessel) -> None:
        """An open gap's hours run to the data's end: brought up to date before the events are read."""
        if "ais_gap" in self.detectors and any(
            e.end is None and e.details.get("open") for e in vessel.derived.values()
        ):
            vessel.derived = self._derive(vessel)

    def _schedule(self, vessel: _Vessel) -> None:
        """The next data end at which the vessel's events can change with no new position of its own."""
        assert self.data_end is not None
        last = vessel.newest
        times = [last + 1, *self._times]  # events ending at the data's end close as it moves on
        if "ais_gap" in self.detectors:
            disabling = self.t.disabling_hours * US_H
            times += [
                last + int(self.t.gap_hours * 3600) * US_S,
                last + math.floor(disabling),
                last + math.ceil(disabling) + 1,
            ]
        self._times = []
        later = [at for at in times if at > self.data_end]
        vessel.next_clock = min(later) if later else None
        if vessel.next_clock is not None:
            heapq.heappush(self._clock, (vessel.next_clock, vessel.mmsi))

    def _derive(self, vessel: _Vessel) -> dict[_Held, DetectedEvent]:
        assert self.data_end is not None
        self._times = []
        track = vessel.context + vessel.rows
        first = len(vessel.context)  # the tail's first index in ``track``
        found: list[DetectedEvent] = []
        if "ais_gap" in self.detectors:
            found += self._gaps(vessel.mmsi, track, max(first - 1, 0))
        if "impossible_jump" in self.detectors:
            found += self._jumps(vessel.mmsi, track, max(first - 1, 1))
        tail = vessel.rows
        if "speed_band" in self.detectors:
            found += self._speed_band(vessel.mmsi, tail)
        if "area" in self.detectors and self.areas:
            found += self._area(vessel.mmsi, tail)
        if "loitering" in self.detectors:
            found += self._loitering(vessel.mmsi, tail)
        if "port_visit" in self.detectors and self.ports.count:
            found += self._port_visit(vessel.mmsi, tail)
        return {_held_key(e): e for e in found}

    def _gaps(self, mmsi: int, track: list[Row], start: int) -> list[DetectedEvent]:
        t, end = self.t, self.data_end
        assert end is not None
        limit = int(t.gap_hours * 3600) * US_S
        out = []
        for i in range(start, len(track)):
            us, lat, lon, *_ = track[i]
            nxt = track[i + 1] if i + 1 < len(track) else None
            span = (nxt[0] if nxt else end) - us
            if span < limit:
                continue
            hours = span / 1e6 / 3600.0
            off = self.ports.offshore_nm(lat, lon)
            off = min(off, self.ports.offshore_nm(nxt[1], nxt[2])) if nxt else off
            kind = "likely_disabling" if hours >= t.disabling_hours and off >= t.disabling_offshore_nm else "ais_gap"
            distance = hav_km(lat, lon, nxt[1], nxt[2]) / NM_KM if nxt else 0.0
            out.append(
                _make(
                    kind,
                    mmsi,
                    us,
                    nxt[0] if nxt else None,
                    lat,
                    lon,
                    hours=sql_round(hours),
                    offshore_nm=sql_round(off),
                    open=nxt is None,
                    distance_nm=sql_round(distance),
                )
            )
        return out

    def _jumps(self, mmsi: int, track: list[Row], start: int) -> list[DetectedEvent]:
        t = self.t
        min_degrees = t.jump_min_nm * NM_KM / (EARTH_KM * math.pi / 180.0) * 0.999
        out = []
        for i in range(start, len(track)):
            p_us, p_lat, p_lon, *_ = track[i - 1]
            us, lat, lon, *_ = track[i]
            if not abs(lat - p_lat) + abs(lon - p_lon) >= min_degrees:
                continue
            nm = hav_km(p_lat, p_lon, lat, lon) / NM_KM
            hours = max((us - p_us) / 1e6, 1) / 3600.0
            if not (nm >= t.jump_min_nm and nm / hours > t.jump_speed_kn):
                continue
            back = i + 1 < len(track) and hav_km(track[i + 1][1], track[i + 1][2], p_lat, p_lon) / NM_KM < nm / 10
            out.append(
                _make(
                    "identity_conflict" if back else "impossible_jump",
                    mmsi,
                    p_us,
                    us,
                    lat,
                    lon,
                    implied_kn=sql_round(nm / hours),
                    distance_nm=sql_round(nm),
                    from_lat=sql_round(p_lat),
                    from_lon=sql_round(p_lon),
                )
            )
        return out

    def _speed_band(self, mmsi: int, tail: list[Row]) -> list[DetectedEvent]:
        low, high = self.t.speed_band_kn
        band = [float(low), float(high)]  # as the SQL gives them: a list of doubles (JSON numbers, stored as such)
        out = []
        for a, b in _runs([low <= r[3] <= high for r in tail]):
            seconds = (tail[b][0] - tail[a][0]) / 1e6
            if seconds >= self.t.speed_band_minutes * 60:
                top = max(r[3] for r in tail[a : b + 1])
                out.append(
                    _make(
                        "speed_band",
                        mmsi,
                        tail[a][0],
                        tail[b][0],
                        tail[a][1],
                        tail[a][2],
                        band_kn=list(band),
                        max_sog=sql_round(top),
                        minutes=sql_round(seconds / 60.0),
                    )
                )
        return out

    @staticmethod
    def _inside(area: int, tail: list[Row]) -> list[bool]:
        return [r[5][area] for r in tail]

    def _area(self, mmsi: int, tail: list[Row]) -> list[DetectedEvent]:
        assert self.data_end is not None
        out = []
        for area, name in enumerate(self.areas):
            for a, b in _runs(self._inside(area, tail)):
                hours = sql_round((tail[b][0] - tail[a][0]) / 3600e6)
                end = None if tail[b][0] == self.data_end else tail[b][0]
                lat, lon = tail[a][1], tail[a][2]
                details = {"area": name, "dwell_hours": hours, "positions": b - a + 1}
                out.append(_make("area_entry", mmsi, tail[a][0], end, lat, lon, **details))
                if hours >= self.t.dwell_hours:
                    out.append(_make("area_dwell", mmsi, tail[a][0], end, lat, lon, **dict(details)))
        return out

    def _hours(self, tail: list[Row]) -> list[tuple[int, float, float, float, int, int]]:
        """Each clock hour of the tail: (hour, mean sog, mean lat, mean lon, first us, last us)."""
        out = []
        i = 0
        while i < len(tail):
            hour = tail[i][0] // US_H
            j = i
            while j < len(tail) and tail[j][0] // US_H == hour:
                j += 1
            part = tail[i:j]
            n = len(part)
            out.append(
                (
                    hour,
                    sum(r[3] for r in part) / n,
                    sum(r[1] for r in part) / n,
                    sum(r[2] for r in part) / n,
                    part[0][0],
                    part[-1][0],
                )
            )
            i = j
        return out

    def _loitering(self, mmsi: int, tail: list[Row]) -> list[DetectedEvent]:
        t, end = self.t, self.data_end
        assert end is not None
        slow = [h for h in self._hours(tail) if h[1] < t.loiter_speed_kn]
        out = []
        a = 0
        while a < len(slow):
            b = a
            while b + 1 < len(slow) and slow[b + 1][0] == slow[b][0] + 1:
                b += 1
            run = slow[a : b + 1]
            a = b + 1
            start_us, end_us = run[0][4], run[-1][5]
            self._times.append(end_us + US_H + 1)  # an open loitering closes an hour after its end
            if not (end_us - start_us) / 1e6 >= t.loiter_hours * 3600:
                continue
            n = len(run)
            lat, lon = sum(h[2] for h in run) / n, sum(h[3] for h in run) / n
            off = self.ports.offshore_nm(lat, lon)
            if not off >= t.loiter_offshore_nm:
                continue
            out.append(
                _make(
                    "loitering",
                    mmsi,
                    start_us,
                    None if end_us >= end - US_H else end_us,
                    lat,
                    lon,
                    hours=sql_round((end_us - start_us) / 1e6 / 3600.0),
                    mean_sog=sql_round(sum(h[1] for h in run) / n),
                    offshore_nm=sql_round(off),
                )
            )
        return out

    @staticmethod
    def _near(tail: list[Row]) -> list[float | None]:
        return [r[4] for r in tail]

    def _port_visit(self, mmsi: int, tail: list[Row]) -> list[DetectedEvent]:
        t = self.t
        km = self._near(tail)
        out = []
        for a, b in _runs([k is not None for k in km]):
            entered = [i for i in range(a, b + 1) if (km[i] or 0.0) <= t.port_entry_km]
            if not entered:
                continue
            s = entered[0]
            out.append(
                _make(
                    "port_visit",
                    mmsi,
                    tail[s][0],
                    None if tail[b][0] == self.data_end else tail[b][0],
                    tail[s][1],
                    tail[s][2],
                    hours=sql_round((tail[b][0] - tail[s][0]) / 1e6 / 3600.0),
                    min_km=sql_round(min(k for k in km[a : b + 1] if k is not None)),
                )
            )
        return out

    # ----- bounds -------------------------------------------------------------------------------

    def _states(self, rows: list[Row]) -> list[list[bool]]:
        """Per run-forming state (speed band, each area, near a port), whether each position is in it."""
        low, high = self.t.speed_band_kn
        states: list[list[bool]] = []
        if "speed_band" in self.detectors:
            states.append([low <= r[3] <= high for r in rows])
        if "area" in self.detectors:
            states += [self._inside(area, rows) for area in range(len(self.areas))]
        if "port_visit" in self.detectors and self.ports.count:
            states.append([k is not None for k in self._near(rows)])
        return states

    def _quiet(self, tail: list[Row], k: int, states: list[list[bool]], hours: dict[int, float]) -> bool:
        """No run spans the cut between ``tail[k - 1]`` and ``tail[k]``, now or after any position accepted later."""
        if any(state[k - 1] and state[k] for state in states):
            return False
        if "loitering" in self.detectors:
            h0, h1 = tail[k - 1][0] // US_H, tail[k][0] // US_H
            if h0 == h1 or (hours[h0] < self.t.loiter_speed_kn and h1 == h0 + 1):
                return False
        return True

    def _cut(self, vessel: _Vessel, k: int, *, forced: bool = False) -> None:
        """Drop the tail's positions before ``k``: events before become final, two stay as context."""
        events = vessel.events()
        track = vessel.context + vessel.rows
        split = len(vessel.context) + k
        vessel.context = track[max(split - 2, 0) : split]
        vessel.rows = track[split:]
        vessel.floor = vessel.rows[0] if vessel.rows else None
        vessel.floor_hour = None
        vessel.derived = self._derive(vessel)
        for key in vessel.derived:
            events.pop(key, None)
        vessel.frozen = events
        if forced:
            self.inexact.add(vessel.mmsi)

    def _prune(self, vessel: _Vessel) -> None:
        rows = vessel.rows
        horizon = vessel.newest - self.late_us
        if len(rows) < 3 or (rows[0][0] >= horizon - self.late_us and len(rows) <= self.max_positions):
            return  # prune in steps of a window, so the cost of looking for a cut is shared by many positions
        hours = {h[0]: h[1] for h in self._hours(rows)} if "loitering" in self.detectors else {}
        states = self._states(rows)
        last = bisect.bisect_left(rows, horizon, key=lambda r: r[0]) - 1
        for k in range(min(last, len(rows) - 1), 0, -1):
            if self._quiet(rows, k, states, hours):
                self._cut(vessel, k)
                return
        if len(rows) > self.max_positions:
            self._cut(vessel, len(rows) - self.max_positions // 2, forced=True)

    def _evict_idle(self) -> None:
        """Vessels silent for ``evict_hours`` keep their last two positions only (when no run is open there)."""
        if self.data_end is None:
            return
        while self._idle and self._idle[0][0] < self.data_end - self.evict_us:
            newest, mmsi = heapq.heappop(self._idle)
            vessel = self.vessels.get(mmsi)
            if vessel is None or not vessel.rows or vessel.newest != newest:
                continue  # it reported since, or is already evicted
            last = vessel.rows[-1]
            if any(state[0] for state in self._states([last])):
                continue  # a run open at its last position: the tail stays (bounded by the window and the cap)
            if "loitering" in self.detectors:
                hour = self._hours([r for r in vessel.rows if r[0] // US_H == last[0] // US_H])
                if hour and hour[0][1] < self.t.loiter_speed_kn:
                    continue
            self._cut(vessel, len(vessel.rows))
            vessel.floor = last
            vessel.floor_hour = last[0] // US_H if "loitering" in self.detectors else None
            self.evicted += 1


def _detector_of(event_type: str) -> str:
    return {
        "likely_disabling": "ais_gap",
        "identity_conflict": "impossible_jump",
        "area_entry": "area",
        "area_dwell": "area",
    }.get(event_type, event_type)
