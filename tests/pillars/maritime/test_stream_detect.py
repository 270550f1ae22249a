"""Streaming detection gives the batch detectors' events, field by field, however the positions arrive.

Compared exactly (type, vessel, start, end, lat, lon, every detail) except loitering's means (mean position,
mean speed and the offshore distance of the mean point), where the two sides add the same doubles in an
order each chooses: there lat/lon agree to 1e-9 degrees and the rounded details to one unit of the third decimal.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from mitra.pillars.maritime.ais.detect import DetectedEvent, EventDetector, Thresholds
from mitra.pillars.maritime.ais.stream import STREAMED, PortGrid, StreamDetector, StreamRefused, event_id
from mitra.pillars.maritime.areas import default_areas
from tests.conftest import shared_file

T0 = datetime(2024, 3, 1)  # naive UTC, as the position store holds times
Pos = tuple[int, datetime, float, float, float | None]
TRACKS = ("263576000", "338013000", "416000000")


@pytest.fixture(scope="module")
def ports_dir() -> Path:
    return shared_file("maritime/ports")


@pytest.fixture(scope="module")
def ports(ports_dir: Path) -> PortGrid:
    return PortGrid.from_dir(ports_dir)


@pytest.fixture(scope="module")
def capture() -> list[Pos]:
    """The GFW gpsdio-segment tracks (real satellite and terrestrial AIS), as the detect tests read them."""
    rows: list[Pos] = []
    con = duckdb.connect()
    for mmsi in TRACKS:
        path = shared_file(f"maritime/ais_tracks/gpsdio-segment_{mmsi}.jsonl")
        rows += con.execute(
            "SELECT ssvid::BIGINT, timestamp::TIMESTAMP, lat, lon, speed FROM read_json_auto($1) "
            "WHERE lat IS NOT NULL AND lon IS NOT NULL AND abs(lat) <= 90 AND abs(lon) <= 180 ORDER BY 2",
            [str(path)],
        ).fetchall()
    rows.sort(key=lambda r: r[1])
    return rows


def batch(
    rows: Sequence[Pos], ports_dir: Path, areas: dict[str, BaseGeometry], t: Thresholds | None = None
) -> list[DetectedEvent]:
    con = duckdb.connect()
    con.execute("CREATE TABLE positions (mmsi BIGINT, ts TIMESTAMP, lat DOUBLE, lon DOUBLE, sog DOUBLE)")
    if rows:
        con.executemany("INSERT INTO positions VALUES (?, ?, ?, ?, ?)", [list(r) for r in rows])
    return EventDetector(con, ports_dir=ports_dir, areas=areas, thresholds=t).run(STREAMED)


def _same_field(kind: str, name: str, mine: Any, theirs: Any) -> bool:
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


def assert_same(stream: Sequence[DetectedEvent], expected: Sequence[DetectedEvent]) -> None:
    mine, theirs = _grouped(stream), _grouped(expected)
    assert sorted(mine, key=str) == sorted(theirs, key=str)
    for key, events in mine.items():
        assert len(events) == len(theirs[key]), key
        for event, other in zip(events, theirs[key], strict=True):
            for name in ("end", "lat", "lon"):
                assert _same_field(event.event_type, name, getattr(event, name), getattr(other, name)), (key, name)
            assert event.details.keys() == other.details.keys(), key
            for name, value in event.details.items():
                assert _same_field(event.event_type, name, value, other.details[name]), (key, name, value)


def table(rows: Sequence[Pos]) -> pa.Table:
    return pa.table(
        {
            "mmsi": pa.array([r[0] for r in rows], pa.int64()),
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us")),
            "lat": pa.array([r[2] for r in rows], pa.float64()),
            "lon": pa.array([r[3] for r in rows], pa.float64()),
            "sog": pa.array([r[4] for r in rows], pa.float64()),
        }
    )


# ----- a real capture ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1_000, 100_000])
def test_a_real_capture_streamed_in_batches_gives_the_batch_events(
    capture: list[Pos], ports_dir: Path, ports: PortGrid, size: int
) -> None:
    areas = default_areas()
    stream = StreamDetector(areas=areas, ports=ports)
    for at in range(0, len(capture), size):
        changes = stream.feed(table(capture[at : at + size]))
        assert changes.too_late == 0
        assert not changes.rejected
    expected = batch(capture, ports_dir, areas)
    assert {e.event_type for e in expected} >= {"ais_gap", "impossible_jump", "port_visit", "area_entry", "loitering"}
    assert_same(stream.events(), expected)
    assert not stream.inexact


def test_a_real_track_streamed_one_position_at_a_time_gives_the_batch_events(
    capture: list[Pos], ports_dir: Path, ports: PortGrid
) -> None:
    areas = default_areas()
    track = [r for r in capture if r[0] == 263576000]
    stream = StreamDetector(areas=areas, ports=ports)
    for row in track:
        stream.feed([row])
    assert_same(stream.events(), batch(track, ports_dir, areas))


def test_late_positions_shuffled_within_the_window_give_the_batch_events_after_every_batch(
    capture: list[Pos], ports_dir: Path, ports: PortGrid
) -> None:
    """Positions up to three hours late, in batches of 300: after each, the events of the batch run so far."""
    areas = default_areas()
    rng = random.Random(15)
    late = sorted(capture, key=lambda r: r[1] + timedelta(hours=rng.uniform(0, 3)))
    stream = StreamDetector(areas=areas, ports=ports)
    fed: list[Pos] = []
    for at in range(0, len(late), 300):
        part = late[at : at + 300]
        changes = stream.feed(part)
        fed += part
        assert changes.too_late == 0
        assert_same(stream.events(), batch(fed, ports_dir, areas))


# ----- changes ------------------------------------------------------------------------------------


def _track(mmsi: int, start: datetime, count: int, lat: float, lon: float, dlon: float, sog: float) -> list[Pos]:
    return [(mmsi, start + timedelta(minutes=10 * k), lat, lon + dlon * k, sog) for k in range(count)]


def test_late_data_filling_a_gap_withdraws_it_once_and_reports_nothing_twice(ports: PortGrid) -> None:
    stream = StreamDetector(ports=ports, detectors=("ais_gap",))
    first = stream.feed(
        _track(5, T0, 3, 8.0, 92.0, 0.01, 8.0) + _track(5, T0 + timedelta(hours=8), 3, 8.0, 92.5, 0.01, 8)
    )
    assert [e.event_type for e in first.opened] == ["ais_gap"]
    filled = stream.feed(_track(5, T0 + timedelta(hours=1), 40, 8.0, 92.05, 0.001, 8.0))
    assert [e.event_type for e in filled.withdrawn] == ["ais_gap"]
    assert not filled.opened
    assert stream.events() == []
    again = stream.feed(_track(5, T0 + timedelta(hours=1), 40, 8.0, 92.05, 0.001, 8.0))  # the same, resent
    assert not again


def test_a_gap_opens_at_the_data_end_and_closes_when_the_vessel_reports(ports: PortGrid) -> None:
    stream = StreamDetector(ports=ports, detectors=("ais_gap",))
    stream.feed(_track(7, T0, 2, 8.0, 92.0, 0.01, 8.0))
    opened = stream.feed([(8, T0 + timedelta(hours=7), 9.0, 93.0, 5.0)])  # another vessel moves the clock on
    assert [(e.mmsi, e.end) for e in opened.opened] == [(7, None)]
    closed = stream.feed([(7, T0 + timedelta(hours=7, minutes=30), 8.0, 92.1, 8.0)])
    assert [(e.mmsi, e.end) for e in closed.closed] == [(7, datetime(2024, 3, 1, 7, 30, tzinfo=UTC))]


def test_rows_without_a_position_are_rejected_with_where(ports: PortGrid) -> None:
    changes = StreamDetector(ports=ports).feed([(1, T0, 1.0, 100.0, 3.0), (1, T0, None, 100.0, 3.0)])
    assert len(changes.rejected) == 1
    assert changes.rejected[0].startswith("row 1:")


def test_the_pair_detectors_are_refused_rather_than_run_differently(ports: PortGrid) -> None:
    with pytest.raises(StreamRefused, match="encounter"):
        StreamDetector(ports=ports, detectors=("ais_gap", "encounter"))
    with pytest.raises(ValueError, match="unknown detector"):
        StreamDetector(ports=ports, detectors=("gaps",))


# ----- at and just below each threshold ---------------------------------------------------------------

SEA = (9.0, 94.0)  # the Andaman Sea, far from any port
SINGAPORE = (1.26, 103.84)
TRINCOMALEE = (8.55, 81.216667)  # a WPI port


def _at_threshold_cases() -> list[tuple[str, list[Pos], str, bool]]:
    minute = timedelta(minutes=1)
    second = timedelta(seconds=1)
    cases: list[tuple[str, list[Pos], str, bool]] = []
    for gap, found in ((timedelta(hours=6), True), (timedelta(hours=6) - second, False)):
        rows = [(1, T0, *SEA, 5.0), (1, T0 + gap, SEA[0], SEA[1] + 0.01, 5.0), (2, T0 + gap + gap, *SEA, 5.0)]
        cases.append(("gap", rows, "ais_gap", found))
    # more than 30 kn implied: 2 nm in 4 minutes is 30 kn, so just faster and just slower
    nm2 = 2 * 1.852 / 6371.0088 / 0.017453292519943295  # degrees of latitude for 2 nm
    for minutes, found in ((3.99, True), (4.01, False)):
        rows = [(3, T0, *SEA, 10.0), (3, T0 + timedelta(minutes=minutes), SEA[0] + nm2, SEA[1], 10.0)]
        cases.append(("jump", rows, "impossible_jump", found))
    for minutes, found in ((30, True), (29, False)):
        rows = [(4, T0 + k * minute, *SEA, 25.0) for k in range(minutes + 1)] + [(4, T0 + 40 * minute, *SEA, 10.0)]
        cases.append(("speed band", rows, "speed_band", found))
    for hours, found in ((6.0, True), (5.99, False)):
        steps = int(hours * 60 // 10)
        rows = [(5, T0 + k * 10 * minute, 9.5, 94.5, 8.0) for k in range(steps)]
        rows.append((5, T0 + timedelta(hours=hours), 9.5, 94.5, 8.0))
        rows.append((5, T0 + timedelta(hours=hours, minutes=10), 12.0, 94.5, 8.0))
        cases.append(("dwell", rows, "area_dwell", found))
    for hours, found in ((4, True), (3, False)):
        rows = [(6, T0 + k * 10 * minute, *SEA, 1.0) for k in range(hours * 6 + 1)]
        rows.append((6, T0 + timedelta(hours=10), *SEA, 1.0))  # the data goes on: the loitering closes
        rows.append((6, T0 + timedelta(hours=10, minutes=5), SEA[0], SEA[1] + 0.1, 12.0))
        cases.append(("loitering", rows, "loitering", found))
    for km, found in ((2.99, True), (3.01, False)):  # north of Trincomalee, the only port for 30 km
        dlat = km / 6371.0088 / 0.017453292519943295
        rows = [(7, T0 + k * 10 * minute, TRINCOMALEE[0] + dlat, TRINCOMALEE[1], 0.0) for k in range(6)]
        cases.append(("port", rows, "port_visit", found))
    return cases


@pytest.mark.parametrize(("name", "rows", "kind", "found"), _at_threshold_cases())
def test_at_and_just_below_each_threshold_the_stream_agrees_with_the_batch(
    ports_dir: Path, ports: PortGrid, name: str, rows: list[Pos], kind: str, found: bool
) -> None:
    areas = {"test box": box(94.2, 9.2, 94.8, 9.8)}
    stream = StreamDetector(areas=areas, ports=ports)
    for row in rows:
        stream.feed([row])
    expected = batch(rows, ports_dir, areas)
    assert_same(stream.events(), expected)
    assert any(e.event_type == kind for e in expected) is found, name


# ----- generated tracks ---------------------------------------------------------------------------


@st.composite
def tracks(draw: st.DrawFn) -> list[Pos]:
    rows: list[Pos] = []
    for mmsi in range(draw(st.integers(1, 3))):
        lat, lon = draw(st.sampled_from([SEA, SINGAPORE, (9.45, 94.15)]))
        minute = 0
        for _ in range(draw(st.integers(1, 40))):
            minute += draw(st.sampled_from([0, 1, 10, 30, 61, 200, 400]))
            lat += draw(st.sampled_from([0.0, 0.001, -0.02, 0.3, -0.3]))
            sog = draw(st.sampled_from([None, 0.0, 1.5, 2.0, 24.9, 25.0, 60.0, 61.0]))
            rows.append((100 + mmsi, T0 + timedelta(minutes=minute), lat, lon, sog))
    # one position per vessel, time and place: the batch orders exact duplicates arbitrarily
    return list({(r[0], r[1], r[2], r[3]): r for r in rows}.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tracks(), seed=st.integers(0, 2**16), size=st.integers(1, 15))
def test_any_order_and_batching_within_the_window_gives_the_batch_events(
    rows: list[Pos], seed: int, size: int, ports_dir: Path, ports: PortGrid
) -> None:
    areas = {"test box": box(94.1, 9.3, 94.6, 9.7)}
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    stream = StreamDetector(areas=areas, ports=ports, late_hours=200, evict_hours=200)
    for at in range(0, len(shuffled), size):
        assert stream.feed(shuffled[at : at + size]).too_late == 0
    assert_same(stream.events(), batch(rows, ports_dir, areas))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tracks(), size=st.integers(1, 15))
def test_in_order_with_a_short_window_the_cuts_keep_the_batch_events(
    rows: list[Pos], size: int, ports_dir: Path, ports: PortGrid
) -> None:
    areas = {"test box": box(94.1, 9.3, 94.6, 9.7)}
    ordered = sorted(rows, key=lambda r: r[1])
    stream = StreamDetector(areas=areas, ports=ports, late_hours=1, evict_hours=2)
    for at in range(0, len(ordered), size):
        assert stream.feed(ordered[at : at + size]).too_late == 0
    assert_same(stream.events(), batch(rows, ports_dir, areas))


# ----- bounded state -----------------------------------------------------------------------------


def test_vessels_that_go_quiet_are_evicted_to_their_last_two_positions(ports_dir: Path, ports: PortGrid) -> None:
    rows: list[Pos] = []
    for mmsi in range(300):  # each reports for an hour at 10 kn in open sea, then falls silent
        rows += _track(1000 + mmsi, T0 + timedelta(minutes=mmsi), 7, 8.0 + mmsi * 0.01, 90.0, 0.01, 10.0)
    rows += _track(9, T0, 200, 5.0, 95.0, 0.01, 10.0)  # one vessel keeps going for 33 hours
    rows.sort(key=lambda r: r[1])
    stream = StreamDetector(ports=ports)
    for at in range(0, len(rows), 50):
        stream.feed(rows[at : at + 50])
    vessels, held = stream.state_size()
    assert stream.evicted == 300
    assert vessels == 301
    assert held <= 300 * 2 + 200  # two positions per quiet vessel; the busy one's window
    assert_same(stream.events(), batch(rows, ports_dir, {}))
    late = stream.feed([(1000, T0 + timedelta(minutes=5), 8.0, 90.005, 10.0)])  # before the quiet vessel's cut
    assert late.too_late == 1


def test_a_position_older_than_the_window_is_refused_and_counted(ports: PortGrid) -> None:
    stream = StreamDetector(ports=ports, late_hours=1, evict_hours=1)
    stream.feed(_track(3, T0, 60, 6.0, 95.0, 0.01, 10.0))  # ten hours
    assert stream.state_size()[1] < 60
    changes = stream.feed([(3, T0 + timedelta(minutes=15), 6.0, 95.015, 10.0)])
    assert changes.too_late == 1


def test_a_long_loitering_survives_the_cuts_of_a_short_window(ports_dir: Path, ports: PortGrid) -> None:
    rows = _track(12, T0 + timedelta(minutes=3), 72, *SEA, 0.0001, 1.0)  # 12 hours drifting at 1 kn
    rows += _track(12, T0 + timedelta(hours=12, minutes=3), 30, SEA[0], SEA[1] + 0.1, 0.02, 12.0)
    stream = StreamDetector(ports=ports, late_hours=1, evict_hours=2)
    for at in range(0, len(rows), 6):
        stream.feed(rows[at : at + 6])
    assert stream.state_size()[1] < len(rows) / 2  # the window was cut
    expected = batch(rows, ports_dir, {})
    assert [e.event_type for e in expected].count("loitering") == 1
    assert_same(stream.events(), expected)


def test_flush_with_a_later_end_opens_the_gaps_of_vessels_gone_quiet(ports: PortGrid) -> None:
    stream = StreamDetector(ports=ports, detectors=("ais_gap",))
    stream.feed(_track(7, T0, 3, 8.0, 92.0, 0.01, 8.0))
    changes, events = stream.flush()
    assert (changes.opened, events) == ([], [])
    changes, events = stream.flush(at_end=T0 + timedelta(hours=13))
    assert [(e.event_type, e.end, e.details["hours"]) for e in changes.opened] == [("likely_disabling", None, 12.667)]
    assert [e.event_type for e in events] == ["likely_disabling"]
