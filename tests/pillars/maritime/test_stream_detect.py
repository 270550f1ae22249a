"""Streaming detection gives the batch detectors' events, field by field, however the positions arrive.

Compared exactly (type, vessel, start, end, lat, lon, every detail) except loitering's means (mean position,
mean speed and the offshore distance of the mean point), where the two sides add the same doubles in an
order each chooses: there lat/lon agree to 1e-9 degrees and the rounded details to one unit of the third decimal.
The pair detectors' means (bucket means, a run's mean place) are compared exactly: the stream adds them in the
order the batch does here (a bucket's positions by time, a run's buckets in order).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from mitra.pillars.maritime.ais.detect import DETECTORS, PRESETS, DetectedEvent, EventDetector, Thresholds
from mitra.pillars.maritime.ais.sameness import differences
from mitra.pillars.maritime.ais.stream import STREAMED, PortGrid, StreamChanges, StreamDetector, event_id
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


@pytest.fixture(scope="module")
def twinned(capture: list[Pos]) -> list[Pos]:
    """The capture with two companions per real track, so that pairs meet: one reporting 0.002 degrees of
    latitude north (about 222 m) at the same times and speeds (close rendezvous; encounters where the track is
    slow offshore, as benchmarks/ais_detect.py twins), one reporting three minutes later at a distance north
    that swings between 0.001 and 0.005 degrees (111 to 556 m), so runs begin and end at both radii."""
    rows = list(capture)
    for k, (mmsi, at, lat, lon, sog) in enumerate(capture):
        rows.append((mmsi + 1, at, lat + 0.002, lon, sog))
        rows.append((mmsi + 2, at + timedelta(minutes=3), lat + 0.001 + 0.004 * abs(math.sin(k / 40)), lon, sog))
    rows.sort(key=lambda r: r[1])
    return rows


def batch(
    rows: Sequence[Pos],
    ports_dir: Path,
    areas: dict[str, BaseGeometry],
    t: Thresholds | None = None,
    detectors: Sequence[str] = STREAMED,
) -> list[DetectedEvent]:
    con = duckdb.connect()
    con.execute("CREATE TABLE positions (mmsi BIGINT, ts TIMESTAMP, lat DOUBLE, lon DOUBLE, sog DOUBLE)")
    con.register("fed", table(rows))
    con.execute("INSERT INTO positions SELECT mmsi, ts, lat, lon, sog FROM fed")
    return EventDetector(con, ports_dir=ports_dir, areas=areas, thresholds=t).run(detectors)


def assert_same(stream: Sequence[DetectedEvent], expected: Sequence[DetectedEvent]) -> None:
    assert differences(stream, expected) == []


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


@pytest.fixture(scope="module")
def twinned_events(twinned: list[Pos], ports_dir: Path) -> list[DetectedEvent]:
    return batch(twinned, ports_dir, default_areas())


@pytest.mark.parametrize("size", [1_000, 100_000])
def test_a_real_capture_streamed_in_batches_gives_the_batch_events(
    twinned: list[Pos], twinned_events: list[DetectedEvent], ports: PortGrid, size: int
) -> None:
    stream = StreamDetector(areas=default_areas(), ports=ports)
    for at in range(0, len(twinned), size):
        changes = stream.feed(table(twinned[at : at + size]))
        assert changes.too_late == 0
        assert not changes.rejected
    kinds = {e.event_type for e in twinned_events}
    assert kinds >= {"ais_gap", "impossible_jump", "port_visit", "area_entry", "loitering"}
    assert kinds >= {"encounter", "close_rendezvous"}
    assert_same(stream.events(), twinned_events)
    assert not stream.inexact


def test_a_real_track_and_its_twins_streamed_one_position_at_a_time_give_the_batch_events(
    twinned: list[Pos], ports_dir: Path, ports: PortGrid
) -> None:
    areas = default_areas()
    track = [r for r in twinned if r[0] // 10 == 26357600]
    stream = StreamDetector(areas=areas, ports=ports)
    for row in track:
        stream.feed([row])
    expected = batch(track, ports_dir, areas)
    assert {"close_rendezvous", "ais_gap"} <= {e.event_type for e in expected}
    assert_same(stream.events(), expected)


class PairLedger:
    """The pair events as a reader of the changes holds them: an event is opened once, then updated or closed,
    withdrawn at most once until it is opened again; what it holds must be what the stream says it has."""

    def __init__(self) -> None:
        self.held: dict[Any, DetectedEvent] = {}
        self.withdrawn = 0

    def apply(self, changes: StreamChanges) -> None:
        pairs = ("encounter", "close_rendezvous")
        for event in (e for e in changes.withdrawn if e.event_type in pairs):
            assert self.held.pop(event_id(event), None) is not None, ("withdrawn, not held", event)
            self.withdrawn += 1
        for event in (e for e in changes.opened if e.event_type in pairs):
            assert event_id(event) not in self.held, ("opened twice", event)
            self.held[event_id(event)] = event
        for event in (e for e in [*changes.updated, *changes.closed] if e.event_type in pairs):
            assert event_id(event) in self.held, ("changed, not opened", event)
            self.held[event_id(event)] = event

    def assert_holds(self, stream: StreamDetector) -> None:
        now = {event_id(e): e for e in stream.events() if e.event_type in ("encounter", "close_rendezvous")}
        assert self.held == now


def test_late_positions_shuffled_within_the_window_give_the_batch_events_after_every_batch(
    twinned: list[Pos], ports_dir: Path, ports: PortGrid
) -> None:
    """Positions up to three hours late, in batches of 800: after each, the events of the batch run so far,
    and the changes reported add up to them (pair events opened once, disproved ones withdrawn once)."""
    areas = default_areas()
    rng = random.Random(15)
    late = sorted(twinned, key=lambda r: r[1] + timedelta(hours=rng.uniform(0, 3)))
    stream = StreamDetector(areas=areas, ports=ports)
    ledger = PairLedger()
    fed: list[Pos] = []
    for at in range(0, len(late), 800):
        part = late[at : at + 800]
        changes = stream.feed(part)
        fed += part
        assert changes.too_late == 0
        ledger.apply(changes)
        ledger.assert_holds(stream)
        assert_same(stream.events(), batch(fed, ports_dir, areas))
    assert ledger.withdrawn > 0  # late positions did disprove pair events on the way


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


def test_every_detector_is_streamed_and_the_stream_preset_names_them_all() -> None:
    assert sorted(STREAMED) == sorted(DETECTORS)
    assert PRESETS["stream"] == STREAMED  # `mitra ais detect --preset stream` repeats the live feed's detection


def test_the_pair_detectors_run_alone_or_together(ports: PortGrid) -> None:
    for detectors in (("encounter",), ("close_rendezvous",), ("ais_gap", "encounter", "close_rendezvous")):
        assert StreamDetector(ports=ports, detectors=detectors).detectors == frozenset(detectors)


def test_an_unknown_detector_is_refused_with_the_known_ones_named(ports: PortGrid) -> None:
    with pytest.raises(ValueError, match=r"unknown detector 'gaps'; known: ais_gap, loitering, encounter"):
        StreamDetector(ports=ports, detectors=("ais_gap", "gaps"))


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


# ----- pairs ------------------------------------------------------------------------------------

DEGREE_KM = 6371.0088 * math.pi / 180.0  # km in a degree of latitude, as the haversine measures it


def _side_by_side(
    buckets: int, metres: float, sog: float, *, at: tuple[float, float] = SEA, start: datetime = T0
) -> list[Pos]:
    """Vessels 21 and 22 reporting twice in each of ``buckets`` ten-minute buckets, drifting east together,
    the second ``metres`` north of the first: their bucket means are that far apart."""
    dlat = metres / 1000 / DEGREE_KM
    rows: list[Pos] = []
    for k in range(buckets * 2):
        when = start + timedelta(minutes=1 + 5 * k)
        lon = at[1] + 0.0002 * k
        rows += [(21, when, at[0], lon, sog), (22, when, at[0] + dlat, lon, sog)]
    return rows


def _pair_threshold_cases() -> list[tuple[str, list[Pos], str, bool]]:
    cases: list[tuple[str, list[Pos], str, bool]] = []
    for metres, found in ((499.9, True), (500.1, False)):
        cases.append(("encounter distance", _side_by_side(12, metres, 1.0), "encounter", found))
    for buckets, found in ((12, True), (11, False)):  # 2 hours: twelve buckets
        cases.append(("encounter duration", _side_by_side(buckets, 300, 1.0), "encounter", found))
    for sog, found in ((1.99, True), (2.0, False)):  # the median speed below 2 kn
        cases.append(("encounter speed", _side_by_side(12, 300, sog), "encounter", found))
    for km, found in ((10.02, True), (9.98, False)):  # the pair's mean place this far north of Trincomalee
        mid = (TRINCOMALEE[0] + km / DEGREE_KM - 0.1 / DEGREE_KM, TRINCOMALEE[1])
        cases.append(("encounter port distance", _side_by_side(12, 200, 0.5, at=mid), "encounter", found))
    for metres, found in ((249.9, True), (250.1, False)):
        cases.append(("rendezvous distance", _side_by_side(3, metres, 10.0), "close_rendezvous", found))
    for buckets, found in ((3, True), (2, False)):  # 30 minutes: three buckets
        cases.append(("rendezvous duration", _side_by_side(buckets, 200, 10.0), "close_rendezvous", found))
    return cases


@pytest.mark.parametrize(("name", "rows", "kind", "found"), _pair_threshold_cases())
def test_pairs_at_and_just_past_each_threshold_agree_with_the_batch(
    ports_dir: Path, ports: PortGrid, name: str, rows: list[Pos], kind: str, found: bool
) -> None:
    stream = StreamDetector(ports=ports)
    for row in rows:
        stream.feed([row])
    expected = batch(rows, ports_dir, {})
    assert_same(stream.events(), expected)
    assert any(e.event_type == kind for e in expected) is found, name
    if found:  # one event for each vessel, naming the other
        pairs = sorted((e.mmsi, e.details["other_mmsi"]) for e in expected if e.event_type == kind)
        assert pairs == [(21, 22), (22, 21)]


def test_a_rendezvous_disproved_by_late_positions_is_withdrawn_once(ports_dir: Path, ports: PortGrid) -> None:
    rows = _side_by_side(4, 200, 8.0)  # 40 minutes within 200 m
    stream = StreamDetector(ports=ports, detectors=("close_rendezvous",))
    ledger = PairLedger()
    first = stream.feed(rows)
    ledger.apply(first)
    assert sorted((e.mmsi, e.details["other_mmsi"]) for e in first.opened) == [(21, 22), (22, 21)]
    # the second vessel's late reports, 5.5 km north, in the second and third buckets: its means there move
    # away, what is left near are two single buckets (10 minutes each, not 30)
    late = [(22, T0 + timedelta(minutes=m), SEA[0] + 0.05, SEA[1], 8.0) for m in (13, 23)]
    disproved = stream.feed(late)
    ledger.apply(disproved)
    assert sorted((e.mmsi, e.details["other_mmsi"]) for e in disproved.withdrawn) == [(21, 22), (22, 21)]
    assert not disproved.opened
    assert not disproved.updated
    later = stream.feed([(23, T0 + timedelta(hours=1), 5.0, 90.0, 8.0)])  # the data's end moves on
    ledger.apply(later)
    assert not later
    assert ledger.withdrawn == 2
    assert stream.events() == []
    fed = [*rows, *late, (23, T0 + timedelta(hours=1), 5.0, 90.0, 8.0)]
    assert_same(stream.events(), batch(fed, ports_dir, {}, detectors=("close_rendezvous",)))


def test_late_positions_that_join_two_runs_replace_them_with_one(ports_dir: Path, ports: PortGrid) -> None:
    rows = [r for r in _side_by_side(7, 200, 8.0) if not timedelta(minutes=30) <= r[1] - T0 < timedelta(minutes=40)]
    stream = StreamDetector(ports=ports, detectors=("close_rendezvous",))
    ledger = PairLedger()
    ledger.apply(stream.feed(rows))  # buckets 0-2 and 4-6 near, bucket 3 empty: two rendezvous
    assert len(ledger.held) == 4
    missing = [r for r in _side_by_side(7, 200, 8.0) if timedelta(minutes=30) <= r[1] - T0 < timedelta(minutes=40)]
    joined = stream.feed(missing)
    ledger.apply(joined)
    assert len(joined.withdrawn) == 2  # the later run's events: it is part of the first now
    assert [e.details["hours"] for e in joined.updated] == [1.083, 1.083]
    ledger.assert_holds(stream)
    assert_same(stream.events(), batch(rows + missing, ports_dir, {}, detectors=("close_rendezvous",)))


def test_a_pair_open_at_the_data_end_closes_when_the_end_passes_its_bucket(ports: PortGrid) -> None:
    stream = StreamDetector(ports=ports, detectors=("close_rendezvous",))
    opened = stream.feed(_side_by_side(3, 200, 8.0))
    assert [e.end for e in opened.opened] == [None, None]
    same_bucket = stream.feed([(23, T0 + timedelta(minutes=29), 5.0, 90.0, 8.0)])
    assert not same_bucket
    closed = stream.feed([(23, T0 + timedelta(minutes=31), 5.0, 90.0, 8.0)])
    assert [e.end for e in closed.closed] == [datetime(2024, 3, 1, 0, 26, tzinfo=UTC)] * 2
    assert not closed.opened
    assert not closed.withdrawn


def test_a_long_rendezvous_survives_the_cuts_of_a_short_window(ports_dir: Path, ports: PortGrid) -> None:
    rows = _side_by_side(72, 150, 8.0)  # twelve hours together
    rows += [(21, T0 + timedelta(hours=12, minutes=5 * k), SEA[0] - 0.01 * k, SEA[1], 8.0) for k in range(1, 13)]
    stream = StreamDetector(ports=ports, late_hours=1, evict_hours=2)
    most = 0
    for at in range(0, len(rows), 12):
        stream.feed(rows[at : at + 12])
        most = max(most, stream.pair_state_size()[0])
    assert most <= 2 * 2 * 8 + 12  # the window's buckets (two vessels, two reports each), not twelve hours
    expected = batch(rows, ports_dir, {})
    assert [e.details["hours"] for e in expected if e.event_type == "close_rendezvous"] == [11.917, 11.917]
    assert_same(stream.events(), expected)
    assert not stream.inexact


def test_a_pair_run_longer_than_the_cap_is_cut_and_named_inexact(ports: PortGrid) -> None:
    stream = StreamDetector(ports=ports, late_hours=1, evict_hours=2, max_positions=20)
    rows = _side_by_side(72, 150, 8.0)
    for at in range(0, len(rows), 12):
        stream.feed(rows[at : at + 12])
    assert stream.inexact == {21, 22}
    assert stream.pair_state_size()[1] <= 20


def test_a_position_in_a_bucket_behind_the_window_is_refused_for_the_pairs(ports: PortGrid) -> None:
    """A vessel never seen before has no window of its own; its bucket's pairs are final all the same."""
    for detectors, refused in ((("close_rendezvous",), 1), (("ais_gap",), 0)):
        stream = StreamDetector(ports=ports, late_hours=1, evict_hours=1, detectors=detectors)
        stream.feed(_track(3, T0, 60, 6.0, 95.0, 0.01, 10.0))  # ten hours
        assert stream.feed([(4, T0 + timedelta(hours=5), 6.0, 95.0, 10.0)]).too_late == refused
        assert stream.feed([(5, T0 + timedelta(hours=9), 6.0, 95.6, 10.0)]).too_late == 0  # within the hour


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
    if draw(st.booleans()):  # a companion of the first vessel: a pair, near (at either radius) or just apart
        north = draw(st.sampled_from([0.0, 0.001, 0.002, 0.0045, 0.01]))
        later = timedelta(minutes=draw(st.sampled_from([0, 3, 10])))
        rows += [(200, at + later, lat + north, lon, sog) for mmsi, at, lat, lon, sog in rows if mmsi == 100]
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
    stream = StreamDetector(areas=areas, ports=ports, late_hours=300, evict_hours=300)  # wider than any track
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


@settings(max_examples=40, deadline=None)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, 10**6), st.floats(-0.08, 0.08), st.floats(-0.08, 0.08)), min_size=0, max_size=60
    ),
    within=st.sampled_from([0.5, 3.0, 9.0]),
)
def test_the_ports_near_a_batch_of_points_are_those_near_each_point(
    ports: PortGrid, picks: list[tuple[int, float, float]], within: float
) -> None:
    """The batch form (one NumPy call per cell) against the point-by-point reference, around real ports."""
    cells = sorted(ports.near)
    lats, lons = [], []
    for pick, dlat, dlon in picks:
        cell_lats, cell_lons = ports.near[cells[pick % len(cells)]]
        k = pick % len(cell_lats)
        lats.append(float(cell_lats[k]) + dlat)
        lons.append(float(cell_lons[k]) + dlon)
    expected = [ports.near_km(lat, lon, within) for lat, lon in zip(lats, lons, strict=True)]
    assert ports.near_many(np.array(lats), np.array(lons), within) == expected
