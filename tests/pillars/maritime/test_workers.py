"""The maritime pillar's worker as a node runs it: the live feed followed by detection, and the watch rules
raising alerts from what it stores — events (a gap) and a watched vessel's positions."""

from __future__ import annotations

from pathlib import Path

from mitra.bootstrap import open_node
from mitra.pillars.maritime.ais.feed import FEEDS
from mitra.pillars.maritime.ais.follow import FeedFollower
from mitra.pillars.maritime.alerts import EventCondition, create_rule, list_alerts, rule_input, watches_positions
from mitra.pillars.maritime.workers import alert_on_positions, node_workers
from tests.conftest import make_settings
from tests.pillars.maritime.ais.feed_support import health, wait_for, write_lines
from tests.pillars.maritime.ais.test_follow import QUIET, STEADY, _drifting, _lines


def test_a_node_without_feeds_runs_no_maritime_worker(tmp_path: Path) -> None:
    node = open_node(make_settings(tmp_path))
    try:
        assert node_workers(node) == {}
    finally:
        node.close()


def test_the_followed_feed_raises_the_alerts_of_the_watch_rules_from_its_events_and_positions(tmp_path: Path) -> None:
    log = tmp_path / "feed.nmea"
    lines = _lines(0, 10)
    write_lines(log, lines)
    node = open_node(make_settings(tmp_path, ais_feeds={"log": log.resolve().as_uri()}))
    node.init()
    try:
        officer = node.operator(username="nair")
        with node.db.write() as session:
            gaps = create_rule(
                session,
                node,
                data=rule_input(name="Dark for six hours", event_rules=[EventCondition(event_type="ais_gap")]),
                actor=officer,
            )
            seen = create_rule(
                session,
                node,
                data=rule_input(name="Watch the steady one", vessel_mmsis=[STEADY], watch_seen=True),
                actor=officer,
            )
            gap_rule, seen_rule = gaps.id, seen.id
        worker = node_workers(node)[FEEDS]
        assert isinstance(worker, FeedFollower)
        worker.start()
        try:
            wait_for(lambda: health(worker.feed, "log").stored == len(lines), "the feed stored")
            wait_for(lambda: worker.backlog == 0 and not worker.busy, "what was stored detected")
        finally:
            worker.stop()
        assert worker.totals.failures == 0
        with node.db.read() as session:
            alerts = [row.as_stix() for row in list_alerts(session, node, actor=officer, per_page=100).items]
        by_rule = {(a["rule_ref"], a["mmsi"]) for a in alerts}
        assert by_rule == {(gap_rule, QUIET), (seen_rule, STEADY)}  # the gap's vessel; the watched one, once
        gap_alert = next(a for a in alerts if a["rule_ref"] == gap_rule)
        assert gap_alert["event_ref"].startswith("x-mitra-maritime-event--")
    finally:
        node.close()


def test_positions_take_no_write_lock_when_no_rule_watches_them(tmp_path: Path) -> None:
    node = open_node(make_settings(tmp_path))
    node.init()
    try:
        officer = node.operator(username="nair")
        assert alert_on_positions(node, officer, _drifting(0, 1)) == []
        with node.db.read() as session:
            assert not watches_positions(session, node, actor=officer)
        with node.db.write() as session:
            create_rule(session, node, data=rule_input(name="w", vessel_mmsis=[QUIET], watch_seen=True), actor=officer)
        with node.db.read() as session:
            assert watches_positions(session, node, actor=officer)
        assert len(alert_on_positions(node, officer, _drifting(0, 1))) == 1  # the watched vessel, seen once
    finally:
        node.close()
