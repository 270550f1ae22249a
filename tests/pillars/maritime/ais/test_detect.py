"""Detectors on constructed scenarios with known answers and on real tracks; events are versioned objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from shapely.geometry import box

from mitra.node import Node
from mitra.pillars.maritime.ais.detect import DetectedEvent, EventDetector
from mitra.pillars.maritime.ais.events import EVENT_TYPE, record_events
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.policy import Actor, Role
from tests.conftest import shared_file
from tests.pillars.maritime.ais.helpers import track, write_positions

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _detect(store: PositionStore, names: tuple[str, ...], **kwargs: object):  # type: ignore[no-untyped-def]
    with store.connect() as con:
        return EventDetector(con, ports_dir=shared_file("maritime/ports"), **kwargs).run(names)  # type: ignore[arg-type]


def test_two_vessels_meeting_for_three_hours_make_one_encounter(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    # open sea of the Andaman Sea, far from any port; 0.002 deg of longitude apart (about 220 m)
    write_positions(store, track(1, T0, 3, 9.0, 94.0, 0.0, 0.5) + track(2, T0, 3, 9.0, 94.002, 0.0, 0.5))
    write_positions(store, track(3, T0, 3, 9.5, 94.5, 0.02, 11.0))  # a passer-by
    events = [e for e in _detect(store, ("encounter",)) if e.mmsi == 1]
    assert len(events) == 1
    assert events[0].details["other_mmsi"] == 2
    assert events[0].details["hours"] >= 2.9


def test_a_thirteen_hour_gap_sixty_nm_offshore_is_likely_disabling(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    before = track(7, T0, 2, 8.0, 92.0, 0.01, 8.0)
    after = track(7, T0 + timedelta(hours=15), 2, 8.0, 92.5, 0.01, 8.0)
    write_positions(store, before + after)
    events = _detect(store, ("ais_gap",))
    assert [e.event_type for e in events] == ["likely_disabling"]
    assert events[0].details["hours"] >= 13
    assert events[0].details["offshore_nm"] >= 60


def test_a_gap_near_a_port_is_only_a_gap(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    singapore = (1.26, 103.84)
    write_positions(store, [(8, T0, *singapore, 0.0), (8, T0 + timedelta(hours=13), *singapore, 0.0)])
    assert [e.event_type for e in _detect(store, ("ais_gap",))] == ["ais_gap"]


def test_an_impossible_jump_there_and_back_is_an_identity_conflict(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    write_positions(
        store,
        [
            (9, T0, 5.0, 95.0, 10.0),
            (9, T0 + timedelta(minutes=10), 6.0, 97.0, 10.0),
            (9, T0 + timedelta(minutes=20), 5.0, 95.01, 10.0),
        ],
    )
    kinds = [e.event_type for e in _detect(store, ("impossible_jump",))]
    assert kinds[0] == "identity_conflict"


def test_entering_an_area_gives_an_entry_with_its_dwell(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    write_positions(store, track(11, T0, 10, 3.0, 99.0, 0.05, 10.0))
    events = _detect(store, ("area",), areas={"test box": box(99.2, 2.5, 99.6, 3.5)})
    entries = [e for e in events if e.event_type == "area_entry"]
    assert len(entries) == 1
    assert entries[0].details["area"] == "test box"


def test_a_real_track_leaving_kaohsiung_makes_a_port_visit() -> None:
    path = shared_file("maritime/ais_tracks/gpsdio-segment_416000000.jsonl")
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE positions AS SELECT ssvid::BIGINT AS mmsi, timestamp::TIMESTAMP AS ts, lat, lon, "
        f"speed AS sog FROM read_json_auto('{path}')"
    )
    events = EventDetector(con, ports_dir=shared_file("maritime/ports")).run(("port_visit", "ais_gap"))
    visits = [e for e in events if e.event_type == "port_visit"]
    assert visits
    assert abs(visits[0].lat - 22.57) < 0.1


def test_late_data_filling_a_gap_withdraws_the_event(sqlite_node: Node, tmp_path: Path) -> None:
    store = PositionStore.for_settings(sqlite_node.settings)
    actor = Actor(nation="IND", agency="NSCS", username="cli:test", roles=frozenset({Role.ANALYST}))
    write_positions(
        store, track(5, T0, 1, 8.0, 92.0, 0.01, 8.0) + track(5, T0 + timedelta(hours=13), 1, 8.0, 92.5, 0.01, 8.0)
    )
    first = record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    assert first.found == 1
    write_positions(store, track(5, T0 + timedelta(hours=1, minutes=5), 12, 8.0, 92.05, 0.001, 8.0))
    second = record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    assert second.withdrawn == 1
    with sqlite_node.db.read() as session:
        rows, _ = sqlite_node.store.search(session, actor=actor, types=[EVENT_TYPE])
    assert [r.as_stix()["status"] for r in rows] == ["withdrawn"]


def test_rerunning_detection_versions_nothing_new(sqlite_node: Node, tmp_path: Path) -> None:
    store = PositionStore.for_settings(sqlite_node.settings)
    actor = Actor(nation="IND", agency="NSCS", username="cli:test", roles=frozenset({Role.ANALYST}))
    write_positions(
        store, track(5, T0, 1, 8.0, 92.0, 0.01, 8.0) + track(5, T0 + timedelta(hours=13), 1, 8.0, 92.5, 0.01, 8.0)
    )
    record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    again = record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    assert (again.found, again.updated, again.unchanged) == (0, 0, 1)


def test_forty_minutes_at_thirty_knots_is_one_speed_band_event(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    fast = track(21, T0, 40 / 60, 6.0, 95.0, 0.05, 30.0)  # 5 fixes, 0-40 min
    slow = track(21, T0 + timedelta(minutes=50), 1, 6.0, 95.3, 0.02, 10.0)
    brief = track(22, T0, 20 / 60, 7.0, 95.0, 0.05, 30.0)  # only 20 minutes in the band
    write_positions(store, fast + slow + brief)
    events = _detect(store, ("speed_band",))
    assert [(e.mmsi, e.start, e.end) for e in events] == [(21, T0, T0 + timedelta(minutes=40))]
    assert events[0].details["minutes"] == 40.0
    assert events[0].details["max_sog"] == 30.0


def test_a_speed_band_is_broken_by_a_slower_report(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    rows = track(23, T0, 2, 6.0, 95.0, 0.05, 30.0)
    rows[6] = (rows[6][0], rows[6][1], rows[6][2], rows[6][3], 12.0)  # one slow report at 60 min
    write_positions(store, rows)
    spans = [(e.start, e.end) for e in _detect(store, ("speed_band",))]
    assert spans == [(T0, T0 + timedelta(minutes=50)), (T0 + timedelta(minutes=70), T0 + timedelta(minutes=120))]


def test_an_event_that_reopens_loses_its_end(sqlite_node: Node) -> None:
    actor = Actor(nation="IND", agency="NSCS", username="cli:test", roles=frozenset({Role.ANALYST}))
    closed = DetectedEvent("ais_gap", 5, T0, T0 + timedelta(hours=8), 8.0, 92.0, {"hours": 8.0})
    record_events(sqlite_node, actor, [closed], preset="gaps", since=None)
    reopened = DetectedEvent("ais_gap", 5, T0, None, 8.0, 92.0, {"hours": 9.0})
    report = record_events(sqlite_node, actor, [reopened], preset="gaps", since=None)
    assert report.updated == 1
    with sqlite_node.db.read() as session:
        rows, _ = sqlite_node.store.search(session, actor=actor, types=[EVENT_TYPE])
        versions = sqlite_node.store.versions(session, object_id=rows[0].as_stix()["id"], actor=actor)
    latest = rows[0].as_stix()
    assert latest["status"] == "open"
    assert "end" not in latest
    assert len(versions) == 2


def test_a_pair_either_side_of_a_grid_line_is_found(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    # 0.05 degree cells: 9.0499 and 9.0501 lie in different cells, about 30 m apart
    write_positions(store, track(31, T0, 1, 9.0499, 94.0, 0.0, 5.0) + track(32, T0, 1, 9.0501, 94.0, 0.0, 5.0))
    events = _detect(store, ("close_rendezvous",))
    assert sorted((e.mmsi, e.details["other_mmsi"]) for e in events) == [(31, 32), (32, 31)]


def test_a_pair_near_the_pole_is_found(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    # at 87 degrees 0.004 degrees of longitude are about 23 m; the neighbourhood spans several cells there
    write_positions(store, track(33, T0, 1, 87.0, 10.049, 0.0, 5.0) + track(34, T0, 1, 87.0, 10.053, 0.0, 5.0))
    events = _detect(store, ("close_rendezvous",))
    assert sorted((e.mmsi, e.details["other_mmsi"]) for e in events) == [(33, 34), (34, 33)]


def test_vessels_six_hundred_metres_apart_are_no_pair(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    write_positions(store, track(35, T0, 3, 9.0, 94.0, 0.0, 0.5) + track(36, T0, 3, 9.0054, 94.0, 0.0, 0.5))
    assert _detect(store, ("close_rendezvous", "encounter")) == []


def test_loitering_is_the_same_whether_or_not_the_encounter_detectors_run(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    # drifting at 0.5 kn far out in the Bay of Bengal for 7 hours, fixes every 7 minutes (not bucket-aligned)
    write_positions(store, track(41, T0 + timedelta(minutes=13), 7, 12.0, 88.0, 0.0005, 0.5, step_min=7))
    alone = _detect(store, ("loitering",))
    shared = [e for e in _detect(store, ("loitering", "encounter")) if e.event_type == "loitering"]
    assert len(alone) == 1
    assert alone == shared


def test_only_a_preset_that_detects_gaps_withdraws_a_gap_late_data_disproved(sqlite_node: Node, tmp_path: Path) -> None:
    store = PositionStore.for_settings(sqlite_node.settings)
    actor = Actor(nation="IND", agency="NSCS", username="cli:test", roles=frozenset({Role.ANALYST}))
    write_positions(
        store, track(6, T0, 1, 8.0, 92.0, 0.01, 8.0) + track(6, T0 + timedelta(hours=13), 1, 8.0, 92.5, 0.01, 8.0)
    )
    assert record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="all", since=None).found == 1
    write_positions(store, track(6, T0 + timedelta(hours=1, minutes=5), 12, 8.0, 92.05, 0.001, 8.0))
    spoofing = record_events(sqlite_node, actor, _detect(store, ("impossible_jump",)), preset="spoofing", since=None)
    assert spoofing.withdrawn == 0  # it looked for jumps, not gaps: the gap stands until a gap detector runs
    gfw = record_events(sqlite_node, actor, _detect(store, ("ais_gap", "loitering")), preset="gfw", since=None)
    assert gfw.withdrawn == 1


def test_just_below_each_threshold_nothing_is_found(tmp_path: Path) -> None:
    """The other side of each published definition: the same scenarios, short of the threshold."""
    cases = {
        # a five-hour silence: a gap starts at six hours
        "ais_gap": track(21, T0, 1, 8.0, 92.0, 0.01, 8.0) + track(21, T0 + timedelta(hours=6), 1, 8.0, 92.2, 0.01, 8.0),
        # two vessels 220 m apart for an hour and a half: an encounter needs two hours
        "encounter": track(22, T0, 1.5, 9.0, 94.0, 0.0, 0.5) + track(23, T0, 1.5, 9.0, 94.002, 0.0, 0.5),
        # 220 m apart in two 10-minute buckets (durations count whole buckets): a close rendezvous needs three
        "close_rendezvous": track(24, T0, 0.17, 9.5, 95.0, 0.0, 0.5) + track(25, T0, 0.17, 9.5, 95.002, 0.0, 0.5),
        # four hours offshore at 3 kn: loitering is under 2 kn
        "loitering": track(26, T0, 5, 8.5, 91.0, 0.0008, 3.0),
        # 25 kn between fixes: implausible is over 30
        "impossible_jump": track(27, T0, 2, 7.0, 93.0, 0.0694, 25.0),
    }
    for detector, rows in cases.items():
        store = PositionStore(tmp_path / detector)
        write_positions(store, rows)
        assert _detect(store, (detector,)) == [], detector
