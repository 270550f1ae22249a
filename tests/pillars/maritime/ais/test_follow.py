"""The followed feed: what a live source stores is detected as it arrives, stored as events equal to a batch
run's over the same positions, survives a restart without doubles, and reaches the live map and the watchers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from shapely.geometry import box

from mitra.node import Node
from mitra.pillars.maritime import live
from mitra.pillars.maritime.ais.events import DetectionReport, detect_and_record
from mitra.pillars.maritime.ais.feed import FeedService, parse_sources
from mitra.pillars.maritime.ais.follow import DetectionProcess, FeedFollower
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.models import AreaInput
from mitra.pillars.maritime.service import load_areas, save_areas
from mitra.pillars.maritime.types import MARITIME_EVENT
from mitra.policy import Actor
from tests.pillars.maritime.ais.feed_support import START, health, position, wait_for, write_lines

QUIET = 200_000_001  # goes quiet for seven hours (a gap), then reports again
STEADY = 200_000_002  # reports every ten minutes throughout, so the data's end moves on


def _lines(first_hour: float, last_hour: float) -> list[str]:
    """Both vessels' reports between the two hours (after START), in time order; the quiet one is silent
    from hour 1 to hour 8."""
    out = []
    for k in range(int(first_hour * 6), int(last_hour * 6)):
        when = START + 600 * k
        out.append(position(STEADY, k, when=when))
        if not 6 <= k < 48:
            out.append(position(QUIET, k, when=when))
    return out


def _follower(node: Node, log: Path, **hooks: Any) -> FeedFollower:
    sources = parse_sources({"log": log.resolve().as_uri()})
    return FeedFollower(node, FeedService(PositionStore.for_settings(node.settings), sources), ports_dir=None, **hooks)


def _follow_until_stored(follower: FeedFollower, count: int) -> None:
    follower.start()
    try:
        wait_for(lambda: health(follower.feed, "log").stored >= count, f"{count} positions stored")
        wait_for(lambda: follower.backlog == 0 and not follower.busy, "what was stored detected")
    finally:
        follower.stop()


def _stored_events(node: Node) -> dict[str, dict[str, Any]]:
    actor = node.operator(username="test")
    with node.db.read() as session:
        rows = node.store.iter_visible(session, actor=actor, types=[MARITIME_EVENT.name])
        return {row.id: row.as_stix() for row in rows}


def _batch(node: Node) -> DetectionReport:
    """The batch run of the stream's detectors over what the store holds, with the same areas."""
    actor = node.operator(username="batch")
    return detect_and_record(node, actor, preset="stream", areas=load_areas(node, actor), ports_dir=None)


def test_a_followed_feed_stores_the_events_a_batch_run_of_the_stream_preset_finds_unchanged(
    node: Node, tmp_path: Path
) -> None:
    log = tmp_path / "feed.nmea"
    lines = _lines(0, 10)
    write_lines(log, lines)
    _follow_until_stored(_follower(node, log), len(lines))

    events = _stored_events(node)
    gaps = [e for e in events.values() if e["event_type"] == "ais_gap"]
    assert [(g["mmsi"], g["status"], g["definition"]) for g in gaps] == [(QUIET, "closed", "stream:ais_gap")]
    assert gaps[0]["details"]["hours"] >= 6

    batch = _batch(node)
    assert (batch.found, batch.updated, batch.withdrawn) == (0, 0, 0)
    assert batch.unchanged == len(events)


def test_a_restart_mid_gap_takes_up_the_stored_positions_and_closes_the_gap_once(node: Node, tmp_path: Path) -> None:
    log = tmp_path / "feed.nmea"
    before = _lines(0, 8)  # the quiet vessel's gap is open when the node stops
    write_lines(log, before)
    _follow_until_stored(_follower(node, log), len(before))
    opened = [e for e in _stored_events(node).values() if e["event_type"] == "ais_gap"]
    assert [(e["mmsi"], e["status"]) for e in opened] == [(QUIET, "open")]

    after = _lines(8, 10)
    write_lines(log, after, mode="a")
    _follow_until_stored(_follower(node, log), len(after))  # from its checkpoint: the new lines only

    gaps = [e for e in _stored_events(node).values() if e["event_type"] == "ais_gap"]
    assert [(e["id"], e["status"]) for e in gaps] == [(opened[0]["id"], "closed")]  # the same event, closed
    batch = _batch(node)
    assert (batch.found, batch.updated, batch.withdrawn) == (0, 0, 0)


def test_the_live_map_hears_the_positions_and_the_watchers_the_stored_events(node: Node, tmp_path: Path) -> None:
    log = tmp_path / "feed.nmea"
    lines = _lines(0, 10)
    write_lines(log, lines)
    heard: list[Sequence[Mapping[str, Any]]] = []
    positions: list[int] = []

    def watch_events(_: Node, actor: Actor, events: Sequence[Mapping[str, Any]]) -> None:
        assert actor.username == "ais-feed"
        heard.append(events)

    def watch_positions(_: Node, __: Actor, rows: pa.Table) -> None:
        positions.append(rows.num_rows)

    def broken(_: Node, __: Actor, ___: object) -> None:
        raise RuntimeError("a watcher's own fault")

    follower = _follower(node, log, on_events=[watch_events, broken], on_positions=[watch_positions])
    _follow_until_stored(follower, len(lines))

    assert sum(positions) == len(lines)  # every stored position, once
    assert any(e["event_type"] == "ais_gap" and e["status"] == "closed" for batch in heard for e in batch)
    assert follower.totals.failures == len(heard)  # the broken watcher failed on each batch; the feed went on
    assert health(follower.feed, "log").stored == len(lines)
    as_of = live.bus_for(node).as_of
    assert as_of is not None
    assert as_of.startswith("2025-12-06T")  # the capture's own times: the map is as of the newest position


def _drifting(hour_from: int, hour_to: int) -> pa.Table:
    """A vessel drifting at half a knot far from any port, a report every ten minutes: loitering after 4 h."""
    steps = range(hour_from * 6, hour_to * 6)
    return pa.table(
        {
            "mmsi": [QUIET for _ in steps],
            "ts": [datetime(2025, 12, 6, tzinfo=UTC).replace(tzinfo=None) + timedelta(minutes=10 * k) for k in steps],
            "lat": [6.0 + k * 0.0001 for k in steps],
            "lon": [95.0 for _ in steps],
            "sog": [0.5 for _ in steps],
            "cog": [0.0 for _ in steps],
        }
    )


def test_an_open_event_that_only_grows_is_versioned_at_a_pace_and_its_last_state_stored_at_stop(
    sqlite_node: Node, tmp_path: Path
) -> None:
    log = tmp_path / "unused.nmea"
    write_lines(log, [])
    follower = _follower(sqlite_node, log, update_every=3600.0)
    follower.start()
    for hour in range(12):  # twelve stored batches of an hour each, detected as they come
        follower.on_stored("log", "positions", _drifting(hour, hour + 1))
        wait_for(lambda: follower.backlog == 0 and not follower.busy, "the batch detected")
    wait_for(lambda: follower.totals.positions == 72, "every position followed")
    loiterings = [e for e in _stored_events(sqlite_node).values() if e["event_type"] == "loitering"]
    assert len(loiterings) == 1
    assert loiterings[0]["details"]["hours"] < 5  # as opened: its growth since is held, not yet a version
    follower.stop()
    final = _stored_events(sqlite_node)[loiterings[0]["id"]]
    assert final["details"]["hours"] > 11  # the newest state, stored at stop
    actor = sqlite_node.operator(username="test")
    with sqlite_node.db.read() as session:
        versions = sqlite_node.store.versions(session, object_id=final["id"], actor=actor)
    assert len(versions) == 2  # opened, then its last state: not one version per batch


def test_detection_that_falls_too_far_behind_starts_again_from_the_store_and_finds_the_same_events(
    sqlite_node: Node, tmp_path: Path
) -> None:
    log = tmp_path / "feed.nmea"
    lines = _lines(0, 10)
    write_lines(log, lines)
    _follow_until_stored(_follower(sqlite_node, log), len(lines))
    before = _stored_events(sqlite_node)

    follower = _follower(sqlite_node, tmp_path / "quiet.nmea", max_backlog=10)
    write_lines(tmp_path / "quiet.nmea", [])
    follower.on_stored("log", "positions", _drifting(0, 2))  # 12 positions queued before it runs: over the bound
    assert (follower.totals.catch_ups, follower.backlog) == (1, 0)
    follower.start()
    wait_for(lambda: follower.totals.batches >= 1 and follower.backlog == 0, "the catch-up from the store")
    follower.stop()
    assert follower.totals.positions == len(lines)  # the stored window, read again: not the dropped queue
    assert _stored_events(sqlite_node) == before  # nothing found twice, nothing invented from the hole


@pytest.mark.parametrize("own_process", [False, True], ids=["detection-in-a-thread", "detection-in-a-process"])
def test_an_area_uploaded_while_the_feed_runs_is_detected_over_from_the_store(
    sqlite_node: Node, tmp_path: Path, own_process: bool
) -> None:
    log = tmp_path / "feed.nmea"
    lines = _lines(0, 10)
    write_lines(log, lines)
    follower = _follower(sqlite_node, log, areas_every=0.1, own_process=own_process)
    follower.start()
    try:
        wait_for(lambda: health(follower.feed, "log").stored == len(lines), "the feed stored")
        wait_for(lambda: follower.backlog == 0 and not follower.busy, "what was stored detected")
        assert not [e for e in _stored_events(sqlite_node).values() if e["details"].get("area") == "Harbour watch"]
        operator = sqlite_node.operator(username="test")
        harbour = AreaInput("Harbour watch", box(103.4, 1.1, 103.7, 1.4))  # where both vessels sail
        with sqlite_node.db.write() as session:
            save_areas(
                session, node=sqlite_node, actor=operator, areas=[harbour], handling=sqlite_node.public_handling()
            )
        wait_for(lambda: follower.totals.area_changes == 1, "the new area seen")
        wait_for(
            lambda: any(e["details"].get("area") == "Harbour watch" for e in _stored_events(sqlite_node).values()),
            "the new area's entries detected",
        )
    finally:
        follower.stop()
    entered = {e["mmsi"] for e in _stored_events(sqlite_node).values() if e["details"].get("area") == "Harbour watch"}
    assert entered == {QUIET, STEADY}


def test_a_speed_band_event_is_stored_by_the_stream_and_found_unchanged_by_the_batch(
    sqlite_node: Node, tmp_path: Path
) -> None:
    log = tmp_path / "unused.nmea"
    write_lines(log, [])
    follower = _follower(sqlite_node, log)
    follower.start()
    try:
        rows = _drifting(0, 1).set_column(4, "sog", pa.array([30.0] * 6))  # 30 kn for an hour: in the band
        follower.on_stored("log", "positions", rows)
        wait_for(lambda: follower.totals.positions >= 6 and follower.backlog == 0 and not follower.busy, "detected")
    finally:
        follower.stop()
    assert follower.totals.failures == 0
    bands = [e for e in _stored_events(sqlite_node).values() if e["event_type"] == "speed_band"]
    assert [b["details"]["band_kn"] for b in bands] == [[25.0, 60.0]]  # numbers, stored as JSON numbers


def test_detection_in_a_process_of_its_own_that_is_killed_mid_feed_is_started_again_from_the_store(
    sqlite_node: Node, tmp_path: Path
) -> None:
    log = tmp_path / "feed.nmea"
    lines = _lines(0, 10)
    half = len(lines) // 2
    write_lines(log, lines[:half])
    follower = _follower(sqlite_node, log, own_process=True)
    assert isinstance(follower.detection, DetectionProcess)
    follower.start()
    try:
        wait_for(lambda: health(follower.feed, "log").stored >= half, "the first half stored", timeout=60)
        wait_for(lambda: follower.backlog == 0 and not follower.busy, "the first half detected")
        first = follower.detection.pid
        assert first is not None
        assert first != os.getpid()
        os.kill(first, signal.SIGKILL)  # the detection process dies; the feed and the node go on
        write_lines(log, lines[half:], mode="a")
        wait_for(lambda: health(follower.feed, "log").stored == len(lines), "the second half stored")
        wait_for(lambda: follower.totals.restarts == 1, "a new detection process", timeout=60)
        wait_for(lambda: follower.backlog == 0 and not follower.busy, "the store taken up")
        assert follower.detection.pid not in (None, first)
    finally:
        follower.stop()
    assert follower.detection.pid is None  # stopped with the follower

    gaps = [e for e in _stored_events(sqlite_node).values() if e["event_type"] == "ais_gap"]
    assert [(g["mmsi"], g["status"]) for g in gaps] == [(QUIET, "closed")]  # once, closed: nothing lost or doubled
    batch = _batch(sqlite_node)
    assert (batch.found, batch.updated, batch.withdrawn) == (0, 0, 0)


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_detection_process_ends_when_its_follower_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "follower.py"
    script.write_text(
        "import sys, time\n"
        "import pyarrow as pa\n"
        "from pathlib import Path\n"
        "from mitra.bootstrap import open_node\n"
        "from mitra.pillars.maritime.ais.follow import DetectionProcess\n"
        "from tests.conftest import make_settings\n"
        "if __name__ == '__main__':  # spawned processes import the main module again\n"
        "    node = open_node(make_settings(Path(sys.argv[1])))\n"
        "    node.init()\n"
        "    detection = DetectionProcess(node, areas={}, ports_dir=None)\n"
        "    detection.open()\n"
        "    n = 1_500_000  # a batch that keeps it busy for longer than the test waits\n"
        "    rows = pa.table({'mmsi': pa.array([200_000_000 + k % 50_000 for k in range(n)], pa.int64()),\n"
        "        'ts': pa.array([k * 1_000_000 for k in range(n)], pa.timestamp('us')),\n"
        "        'lat': pa.array([1.0 + (k % 997) * 1e-3 for k in range(n)]), 'lon': pa.array([103.0] * n),\n"
        "        'sog': pa.array([5.0] * n), 'cog': pa.array([0.0] * n)})\n"
        "    detection._send(('follow', rows, False, None))  # no answer awaited: it is busy\n"
        "    print(detection.pid, flush=True)\n"
        "    time.sleep(600)\n"
    )
    root = Path(__file__).resolve().parents[4]
    follower = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "node")],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'src'}"},
        cwd=root,
    )
    try:
        assert follower.stdout is not None
        child = int(follower.stdout.readline())
        assert _running(child)
        time.sleep(1.0)  # it has the batch
        follower.kill()  # no word to the detection process: it is to notice, busy as it is
        follower.wait(10)
        wait_for(lambda: not _running(child), "the detection process ended", timeout=10)
    finally:
        follower.kill()
        follower.wait(10)
        if follower.stdout is not None:
            follower.stdout.close()


def test_a_stop_that_waited_long_enough_for_a_batch_ends_its_detection_process(
    sqlite_node: Node, tmp_path: Path
) -> None:
    log = tmp_path / "unused.nmea"
    write_lines(log, [])
    follower = _follower(sqlite_node, log, own_process=True)
    assert isinstance(follower.detection, DetectionProcess)
    follower.start()
    wait_for(lambda: follower.detection.pid is not None and not follower.busy, "detection started", timeout=60)
    child = follower.detection.pid
    assert child is not None
    n = 1_500_000  # a batch longer than the stop waits for
    follower.on_stored(
        "log",
        "positions",
        pa.table(
            {
                "mmsi": pa.array([200_000_000 + k % 50_000 for k in range(n)], pa.int64()),
                "ts": pa.array([k * 1_000_000 for k in range(n)], pa.timestamp("us")),
                "lat": pa.array([1.0 + (k % 997) * 1e-3 for k in range(n)]),
                "lon": pa.array([103.0] * n),
                "sog": pa.array([5.0] * n),
                "cog": pa.array([0.0] * n),
            }
        ),
    )
    wait_for(lambda: follower.busy and follower.backlog == 0, "the batch taken")
    follower.stop(timeout=1.0)
    wait_for(lambda: not _running(child), "the detection process ended", timeout=15)
    assert follower.totals.restarts == 0  # ended by the stop, not lost
