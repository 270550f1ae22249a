"""Track segmentation: one vessel's positions split into segments that a single ship could have sailed.

Definition (after Global Fishing Watch's gpsdio-segment; see docs/maritime-ais.md): the positions of one
MMSI are taken in time order. Each open segment remembers its last position. A position joins, among the
open segments whose last position is less than ``gap_hours`` older and from which it is *reachable* —
implied speed at most ``max_speed_kn``, or a distance under ``noise_nm`` (position noise and times
rounded to the second) — the one holding the most positions so far, so that the established track wins
over a stray report; if none is reachable it starts a new segment. A segment whose last position is
``gap_hours`` old or more is closed; at most ``max_open`` segments stay open (the least recently extended
is closed first), so memory stays bounded. A segment's id is ``<mmsi>-<time of its first position>``.

A single spoofed or garbled report thus becomes a one-position segment while the track carries on; two
transmitters sharing one MMSI become two long segments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

EARTH_KM = 6371.0088  # mean earth radius (IUGG), as the detectors' SQL uses it
NM_KM = 1.852


@dataclass(frozen=True)
class SegmentRules:
    max_speed_kn: float = 30.0
    noise_nm: float = 1.0
    gap_hours: float = 6.0
    max_open: int = 8


@dataclass
class _Open:
    ident: str
    last_time: datetime
    lat: float
    lon: float
    count: int


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance, as the detectors compute it."""
    a = (
        math.sin(math.radians(lat2 - lat1) / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(a)) / NM_KM


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def segment_track(
    mmsi: int, positions: Sequence[tuple[datetime, float, float]], rules: SegmentRules | None = None
) -> list[str]:
    """Segment id of each (time, lat, lon) of one vessel, in time order (sorted here; ties keep input order)."""
    rules = rules or SegmentRules()
    order = sorted(range(len(positions)), key=lambda i: positions[i][0])
    ids = [""] * len(positions)
    open_segments: list[_Open] = []
    for index in order:
        at, lat, lon = positions[index]
        open_segments = [s for s in open_segments if (at - s.last_time).total_seconds() < rules.gap_hours * 3600]
        best: _Open | None = None
        for segment in open_segments:
            nm = distance_nm(segment.lat, segment.lon, lat, lon)
            hours = max((at - segment.last_time).total_seconds(), 1.0) / 3600.0
            if (nm < rules.noise_nm or nm / hours <= rules.max_speed_kn) and (
                best is None or segment.count > best.count
            ):
                best = segment
        if best is None:
            if len(open_segments) >= rules.max_open:
                open_segments.remove(min(open_segments, key=lambda s: s.last_time))
            best = _Open(ident=f"{mmsi}-{_stamp(at)}", last_time=at, lat=lat, lon=lon, count=0)
            open_segments.append(best)
        best.last_time, best.lat, best.lon, best.count = at, lat, lon, best.count + 1
        ids[index] = best.ident
    return ids
