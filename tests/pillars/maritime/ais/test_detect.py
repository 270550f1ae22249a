"""Detectors on constructed scenarios with known answers and on real tracks; events are versioned objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
from shapely.geometry import box

from mitra.core.node import Node
from mitra.pillars.maritime.ais.detect import EventDetector
from mitra.pillars.maritime.ais.events import EVENT_TYPE, record_events
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.policy import Actor, Role
from tests.conftest import shared_file

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _write(store: PositionStore, rows: list[tuple[int, datetime, float, float, float]]) -> None:
    """Positions (mmsi, time, lat, lon, sog) into the store's Parquet layout."""
    store.positions_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "mmsi": np.array([r[0] for r in rows], dtype=np.int64),
        "us": np.array([int(r[1].timestamp() * 1e6) for r in rows], dtype=np.int64),
        "lat": np.array([r[2] for r in rows]),
        "lon": np.array([r[3] for r in rows]),
        "sog": np.array([r[4] for r in rows]),
    }
    con = duckdb.connect()
    con.register("d", data)
    target = str(store.positions_dir)
    con.execute(
        "COPY (SELECT mmsi, make_timestamp(us) AS ts, lat, lon, sog, NULL::DOUBLE AS cog, NULL::INTEGER AS heading, "
        "15 AS status, 1 AS msg_type, 'test' AS source, 0::BIGINT AS line, CAST(make_timestamp(us) AS DATE) AS date "
        f"FROM d) TO '{target}' (FORMAT parquet, PARTITION_BY (date), APPEND, FILENAME_PATTERN 'part-{{uuid}}')"
    )
    con.close()


def _track(
    mmsi: int, start: datetime, hours: float, lat: float, lon: float, dlon: float, sog: float, step_min: int = 10
):
    steps = int(hours * 60 / step_min)
    return [(mmsi, start + timedelta(minutes=step_min * k), lat, lon + dlon * k, sog) for k in range(steps + 1)]


def _detect(store: PositionStore, names: tuple[str, ...], **kwargs: object):  # type: ignore[no-untyped-def]
    with store.connect() as con:
        return EventDetector(con, ports_dir=shared_file("maritime/ports"), **kwargs).run(names)  # type: ignore[arg-type]


def test_two_vessels_meeting_for_three_hours_make_one_encounter(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    # open sea of the Andaman Sea, far from any port; 0.002 deg of longitude apart (about 220 m)
    _write(store, _track(1, T0, 3, 9.0, 94.0, 0.0, 0.5) + _track(2, T0, 3, 9.0, 94.002, 0.0, 0.5))
    _write(store, _track(3, T0, 3, 9.5, 94.5, 0.02, 11.0))  # a passer-by
    events = [e for e in _detect(store, ("encounter",)) if e.mmsi == 1]
    assert len(events) == 1
    assert events[0].details["other_mmsi"] == 2
    assert events[0].details["hours"] >= 2.9


def test_a_thirteen_hour_gap_sixty_nm_offshore_is_likely_disabling(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    before = _track(7, T0, 2, 8.0, 92.0, 0.01, 8.0)
    after = _track(7, T0 + timedelta(hours=15), 2, 8.0, 92.5, 0.01, 8.0)
    _write(store, before + after)
    events = _detect(store, ("ais_gap",))
    assert [e.event_type for e in events] == ["likely_disabling"]
    assert events[0].details["hours"] >= 13
    assert events[0].details["offshore_nm"] >= 60


def test_a_gap_near_a_port_is_only_a_gap(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    singapore = (1.26, 103.84)
    _write(store, [(8, T0, *singapore, 0.0), (8, T0 + timedelta(hours=13), *singapore, 0.0)])
    assert [e.event_type for e in _detect(store, ("ais_gap",))] == ["ais_gap"]


def test_an_impossible_jump_there_and_back_is_an_identity_conflict(tmp_path: Path) -> None:
    store = PositionStore(tmp_path)
    _write(
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
    _write(store, _track(11, T0, 10, 3.0, 99.0, 0.05, 10.0))
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
    _write(store, _track(5, T0, 1, 8.0, 92.0, 0.01, 8.0) + _track(5, T0 + timedelta(hours=13), 1, 8.0, 92.5, 0.01, 8.0))
    first = record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    assert first.found == 1
    _write(store, _track(5, T0 + timedelta(hours=1, minutes=5), 12, 8.0, 92.05, 0.001, 8.0))
    second = record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    assert second.withdrawn == 1
    with sqlite_node.db.read() as session:
        rows, _ = sqlite_node.store.search(session, actor=actor, types=[EVENT_TYPE])
    assert [r.as_stix()["status"] for r in rows] == ["withdrawn"]


def test_rerunning_detection_versions_nothing_new(sqlite_node: Node, tmp_path: Path) -> None:
    store = PositionStore.for_settings(sqlite_node.settings)
    actor = Actor(nation="IND", agency="NSCS", username="cli:test", roles=frozenset({Role.ANALYST}))
    _write(store, _track(5, T0, 1, 8.0, 92.0, 0.01, 8.0) + _track(5, T0 + timedelta(hours=13), 1, 8.0, 92.5, 0.01, 8.0))
    record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    again = record_events(sqlite_node, actor, _detect(store, ("ais_gap",)), preset="gaps", since=None)
    assert (again.found, again.updated, again.unchanged) == (0, 0, 1)
