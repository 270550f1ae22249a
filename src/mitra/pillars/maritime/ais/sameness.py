"""When two detection runs gave the same events — the streaming detectors against the batch ones (the tests and
``benchmarks/ais_stream.py`` hold them to it): field by field, exact except a loitering's mean place and speeds,
which are means summed in another order (within 1e-9 degrees and 0.0011 of their rounding)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mitra.pillars.maritime.ais.detect import DetectedEvent
from mitra.pillars.maritime.ais.stream import event_id


def same_field(kind: str, name: str, mine: Any, theirs: Any) -> bool:
    if kind == "loitering" and name in ("lat", "lon"):
        return bool(abs(mine - theirs) <= 1e-9)
    if kind == "loitering" and name in ("mean_sog", "offshore_nm"):
        return bool(abs(mine - theirs) <= 0.0011)
    return bool(mine == theirs)


def _grouped(events: Sequence[DetectedEvent]) -> dict[Any, list[DetectedEvent]]:
    """Events by (type, vessel, start, area or other vessel); two can share that when positions share a time."""
    out: dict[Any, list[DetectedEvent]] = {}
    for event in events:
        out.setdefault(event_id(event), []).append(event)
    for group in out.values():
        group.sort(key=lambda e: (str(e.end), e.lat, e.lon, str(e.details)))
    return out


def differences(mine: Sequence[DetectedEvent], theirs: Sequence[DetectedEvent]) -> list[str]:
    """What differs between two runs' events, said (empty: the same events, field by field)."""
    ours, other = _grouped(mine), _grouped(theirs)
    said = []
    only_mine, only_theirs = ours.keys() - other.keys(), other.keys() - ours.keys()
    if only_mine:
        said.append(f"{len(only_mine)} events only the first run found, e.g. {sorted(only_mine, key=str)[:3]}")
    if only_theirs:
        said.append(f"{len(only_theirs)} events only the second run found, e.g. {sorted(only_theirs, key=str)[:3]}")
    for key in sorted(ours.keys() & other.keys(), key=str):
        events, others = ours[key], other[key]
        if len(events) != len(others):
            said.append(f"{key}: {len(events)} in the first run, {len(others)} in the second")
            continue
        for event, theirs_event in zip(events, others, strict=True):
            fields = [(n, getattr(event, n), getattr(theirs_event, n)) for n in ("end", "lat", "lon")]
            fields += [(n, v, theirs_event.details.get(n)) for n, v in event.details.items()]
            if event.details.keys() != theirs_event.details.keys():
                said.append(f"{key}: details {sorted(event.details)} against {sorted(theirs_event.details)}")
            for name, a, b in fields:
                if not same_field(event.event_type, name, a, b):
                    said.append(f"{key}: {name} {a!r} against {b!r}")
    return said
