"""Watch rules and alerts as a service: rules fire on constructed events and positions (and not just below their
thresholds, nor outside their areas or vessels), evaluating twice never doubles, evidence is capped with the cap
said, a withdrawn event closes its alert, notices reach the rule's owner and assignee, alerts are worked with a
history, the forbidden paths are refused, and an alert released at one node arrives at the partner's live map."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import select

from mitra.audit.service import AuditEntry
from mitra.core.identity import User
from mitra.core.notices import Notice
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import Forbidden, InvalidInput, NotFound
from mitra.node import Node
from mitra.pillars.maritime import alerts, live
from mitra.pillars.maritime.ais.events import detect_and_record
from mitra.pillars.maritime.alerts import EVIDENCE_CAP, rule_input
from mitra.pillars.maritime.flags import flag_code, flag_of, mid_of
from mitra.pillars.maritime.types import MARITIME_ALERT
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.pillars.maritime.ais.helpers import track, write_positions
from tests.pillars.maritime.alert_support import (
    ADEN,
    MALACCA,
    START,
    event_body,
    store_event,
    write_identity,
    write_track,
)
from tests.support.pair import Pair, paired_nodes

MY_SHIP = 533000001  # Malaysian flag (MID 533)
IN_SHIP = 419000002  # Indian flag (MID 419)


@pytest.fixture
def people(node: Node) -> dict[str, Person]:
    return {
        "watch": add_person(node, "nair", {Role.ANALYST}, agency="NSCS"),
        "second": add_person(node, "iyer", {Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(node, "vik", {Role.VIEWER}, agency="NSCS"),
    }


def _rule(node: Node, person: Person, **values: Any) -> str:
    with node.db.write() as session:
        return alerts.create_rule(session, node, data=rule_input(**values), actor=person.actor).id


def _evaluate(node: Node, person: Person, events: list[dict[str, Any]]) -> list[str]:
    with node.db.write() as session:
        return alerts.evaluate_events(session, node, events=events, actor=person.actor)


def _alert(node: Node, person: Person, alert_id: str) -> dict[str, Any]:
    with node.db.read() as session:
        return alerts.get_alert(session, node, alert_id=alert_id, actor=person.actor).as_stix()


def test_a_gap_rule_fires_at_its_threshold_and_not_just_below(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    rule = _rule(
        node, watch, name="long gaps", event_rules=[{"event_type": "ais_gap", "thresholds": {"min_hours": 12}}]
    )
    at = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 12.0}))
    below = store_event(
        node, watch.actor, event_body(node, event_type="ais_gap", mmsi=IN_SHIP, details={"hours": 11.999})
    )
    other = store_event(
        node, watch.actor, event_body(node, event_type="loitering", mmsi=MY_SHIP, details={"hours": 30})
    )
    raised = _evaluate(node, watch, [at, below, other])
    assert raised == [alerts.alert_id(node, rule, at["id"])]
    alert = _alert(node, watch, raised[0])
    assert (alert["rule_ref"], alert["event_ref"], alert["mmsi"], alert["event_type"]) == (
        rule,
        at["id"],
        MY_SHIP,
        "ais_gap",
    )
    assert (alert["lat"], alert["lon"], alert["start"], alert["status"]) == (*MALACCA, at["start"], "open")
    assert alert["history"][0]["action"] == "raised"


@pytest.mark.parametrize(
    ("event_type", "threshold", "key", "limit", "hit", "miss"),
    [
        ("impossible_jump", "min_speed_kn", "implied_kn", 50.0, 50.0, 49.9),
        ("speed_band", "min_minutes", "minutes", 45.0, 45.0, 44.5),
        ("loitering", "min_hours", "hours", 6.0, 6.5, 5.99),
        ("area_dwell", "min_hours", "dwell_hours", 24.0, 24.0, 23.9),
        ("encounter", "max_distance_m", "min_distance_m", 100.0, 100.0, 100.1),
    ],
)
def test_each_threshold_holds_at_its_value_and_not_past_it(
    sqlite_node: Node, event_type: str, threshold: str, key: str, limit: float, hit: float, miss: float
) -> None:
    watch = add_person(sqlite_node, "nair", {Role.ANALYST}, agency="NSCS")
    _rule(sqlite_node, watch, name="t", event_rules=[{"event_type": event_type, "thresholds": {threshold: limit}}])
    yes = store_event(
        sqlite_node, watch.actor, event_body(sqlite_node, event_type=event_type, mmsi=MY_SHIP, details={key: hit})
    )
    no = store_event(
        sqlite_node, watch.actor, event_body(sqlite_node, event_type=event_type, mmsi=IN_SHIP, details={key: miss})
    )
    raised = _evaluate(sqlite_node, watch, [yes, no])
    assert [_alert(sqlite_node, watch, a)["event_ref"] for a in raised] == [yes["id"]]


def test_an_area_rule_fires_inside_its_area_and_not_outside(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    _rule(node, watch, name="Malacca loitering", areas=["Strait of Malacca"], event_rules=[{"event_type": "loitering"}])
    inside = store_event(
        node, watch.actor, event_body(node, event_type="loitering", mmsi=MY_SHIP, details={"hours": 5})
    )
    outside = store_event(
        node, watch.actor, event_body(node, event_type="loitering", mmsi=IN_SHIP, details={"hours": 5}, where=ADEN)
    )
    raised = _evaluate(node, watch, [inside, outside])
    assert [_alert(node, watch, a)["mmsi"] for a in raised] == [MY_SHIP]


def test_name_pattern_imo_and_flag_each_pick_their_vessel(sqlite_node: Node) -> None:
    node = sqlite_node
    watch = add_person(node, "nair", {Role.ANALYST}, agency="NSCS")
    write_identity(node, IN_SHIP, imo=9123456, name="OCEAN STAR")
    write_identity(node, 419000003, imo=9000001, name="SEA BREEZE")
    by_name = _rule(node, watch, name="ocean", vessel_name_pattern="ocean*", event_rules=[{"event_type": "ais_gap"}])
    by_imo = _rule(node, watch, name="imo", vessel_imos=[9000001], event_rules=[{"event_type": "ais_gap"}])
    by_flag = _rule(node, watch, name="flag", vessel_flags=["MYS"], event_rules=[{"event_type": "ais_gap"}])
    by_mmsi = _rule(node, watch, name="mmsi", vessel_mmsis=[IN_SHIP], event_rules=[{"event_type": "ais_gap"}])
    events = [
        store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=m, details={"hours": 7}))
        for m in (IN_SHIP, 419000003, MY_SHIP)
    ]
    raised = _evaluate(node, watch, events)
    fired = sorted((_alert(node, watch, a)["rule_ref"], _alert(node, watch, a)["mmsi"]) for a in raised)
    assert fired == sorted([(by_name, IN_SHIP), (by_imo, 419000003), (by_flag, MY_SHIP), (by_mmsi, IN_SHIP)])


def test_flags_come_from_the_mmsi_mid() -> None:
    assert (flag_of(533123456), flag_of(419000002), flag_of(563000001), flag_of(351000000)) == ("MY", "IN", "SG", "PA")
    assert mid_of(111533001) == 533  # a SAR aircraft of Malaysia
    assert mid_of(8533000001 % 10**9) == 533  # a handheld: 8 + MID
    assert flag_of(970123456) is None  # an AIS-SART names no flag
    assert (flag_code("mys"), flag_code("MY"), flag_code("PAN"), flag_code("XX")) == ("MY", "MY", "PA", None)


def test_evaluating_the_same_events_twice_raises_each_alert_once(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    event = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    first = _evaluate(node, watch, [event])
    again = _evaluate(node, watch, [event])
    assert len(first) == 1
    assert again == []
    with node.db.read() as session:
        held = alerts.list_alerts(session, node, actor=watch.actor)
        notices = session.scalars(select(Notice).where(Notice.kind == "alert")).all()
    assert held.total == 1
    assert len(notices) == 1


def test_evidence_holds_the_vessels_positions_capped_with_the_cap_said(sqlite_node: Node) -> None:
    node = sqlite_node
    watch = add_person(node, "nair", {Role.ANALYST}, agency="NSCS")
    write_track(node, MY_SHIP, start=START - timedelta(hours=1), count=EVIDENCE_CAP + 100, every=timedelta(seconds=20))
    write_track(node, IN_SHIP, start=START, count=3, every=timedelta(minutes=1))
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    many = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    few = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=IN_SHIP, details={"hours": 8}))
    raised = {_alert(node, watch, a)["mmsi"]: _alert(node, watch, a) for a in _evaluate(node, watch, [many, few])}
    capped = raised[MY_SHIP]["evidence"]
    assert (capped["cap"], capped["total"], len(capped["positions"])) == (
        EVIDENCE_CAP,
        EVIDENCE_CAP + 100,
        EVIDENCE_CAP,
    )
    times = [p["ts"] for p in capped["positions"]]
    assert times == sorted(times)
    assert times[0] <= many["start"] <= times[-1]  # the nearest in time to the hit are kept
    whole = raised[IN_SHIP]["evidence"]
    assert (whole["total"], len(whole["positions"])) == (3, 3)
    assert whole["positions"][0] == {"ts": "2026-12-07T10:00:00Z", "lat": MALACCA[0], "lon": MALACCA[1], "sog": 8.0}


def test_a_withdrawn_event_closes_its_open_alert_with_a_note(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    event = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(node, watch, [event])
    with node.db.write() as session:
        withdrawn = node.store.new_version(
            session, object_id=event["id"], changes={"status": "withdrawn"}, actor=watch.actor
        ).as_stix()
    assert _evaluate(node, watch, [withdrawn]) == []
    alert = _alert(node, watch, alert_id)
    assert alert["status"] == "closed"
    assert alert["history"][-1]["action"] == "closed"
    assert "withdrawn" in alert["history"][-1]["note"]


def test_the_rules_owner_and_assignee_are_told_in_app(node: Node, people: dict[str, Person]) -> None:
    watch, second = people["watch"], people["second"]
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}], assignee=second.username)
    event = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(node, watch, [event])
    with node.db.read() as session:
        notices = session.scalars(select(Notice).where(Notice.kind == "alert").order_by(Notice.username)).all()
    assert [(n.username, n.object_id, n.link, n.in_app) for n in notices] == [
        (second.username, alert_id, f"/maritime/alerts/{alert_id}", True),
        (watch.username, alert_id, f"/maritime/alerts/{alert_id}", True),
    ]
    assert "any gap" in notices[0].subject


def test_an_alert_is_acknowledged_assigned_and_closed_with_its_history(node: Node, people: dict[str, Person]) -> None:
    watch, second = people["watch"], people["second"]
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    event = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(node, watch, [event])
    with node.db.write() as session:
        alerts.acknowledge(session, node, alert_id=alert_id, note="looking", actor=watch.actor)
        alerts.assign(session, node, alert_id=alert_id, note="yours", actor=watch.actor, assignee=second.username)
        with pytest.raises(InvalidInput, match="note: say why"):
            alerts.close(session, node, alert_id=alert_id, note=" ", actor=second.actor)
        alerts.close(session, node, alert_id=alert_id, note="fishing vessel, known", actor=second.actor)
        with pytest.raises(InvalidInput, match="closed already"):
            alerts.close(session, node, alert_id=alert_id, note="again", actor=second.actor)
        versions = node.store.versions(session, object_id=alert_id, actor=watch.actor)
        told = session.scalars(select(Notice).where(Notice.username == second.username)).all()
    alert = _alert(node, watch, alert_id)
    assert alert["status"] == "closed"
    assert alert["assignee"] == second.username
    assert [(h["action"], h.get("note"), h["by"]) for h in alert["history"]] == [
        ("raised", f"raised by the rule on the event {event['name']}", "IND:NSCS:nair"),
        ("acknowledged", "looking", "IND:NSCS:nair"),
        ("assigned", "yours", "IND:NSCS:nair"),
        ("closed", "fishing vessel, known", "IND:NSCS:iyer"),
    ]
    assert len(versions) == 4  # each step a version, kept by the store
    assert [n.subject for n in told] == [f"Assigned to you: {alert['name']}"]


def test_a_viewer_cannot_create_a_rule_nor_work_an_alert(node: Node, people: dict[str, Person]) -> None:
    watch, viewer = people["watch"], people["viewer"]
    with node.db.write() as session, pytest.raises(Forbidden):
        alerts.create_rule(session, node, data=rule_input(name="x", vessel_mmsis=[MY_SHIP]), actor=viewer.actor)
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    event = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(node, watch, [event])
    assert _alert(node, viewer, alert_id)["status"] == "open"  # a viewer reads it
    with node.db.write() as session, pytest.raises(Forbidden):
        alerts.close(session, node, alert_id=alert_id, note="no", actor=viewer.actor)
    with node.db.write() as session, pytest.raises(Forbidden):
        alerts.acknowledge(session, node, alert_id=alert_id, note="no", actor=viewer.actor)


def test_a_disabled_rule_raises_nothing(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    rule = _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    with node.db.write() as session:
        alerts.set_rule_active(session, node, rule_id=rule, active=False, actor=watch.actor)
    event = store_event(node, watch.actor, event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    assert _evaluate(node, watch, [event]) == []


def test_a_rule_is_checked_field_by_field(node: Node, people: dict[str, Person]) -> None:
    with pytest.raises(InvalidInput, match="watch_seen: watching for any position needs vessels"):
        rule_input(name="x", watch_seen=True)
    with pytest.raises(InvalidInput, match=r"event_rules: .*ais_gap takes the thresholds"):
        rule_input(name="x", event_rules=[{"event_type": "ais_gap", "thresholds": {"min_speed_kn": 3}}])
    with pytest.raises(InvalidInput, match=r"event_rules: .*'sailing' is not a detected event type"):
        rule_input(name="x", event_rules=[{"event_type": "sailing"}])
    with pytest.raises(InvalidInput, match="vessel_flags: 'ZZ' is not a flag"):
        rule_input(name="x", vessel_flags=["ZZ"])
    with pytest.raises(InvalidInput, match="vessel_imos: 12345 is not an IMO number"):
        rule_input(name="x", vessel_imos=[12345])
    with pytest.raises(InvalidInput, match="would match every event"):
        rule_input(name="x")
    with node.db.write() as session, pytest.raises(InvalidInput, match="areas: Atlantis: no such area"):
        alerts.create_rule(session, node, data=rule_input(name="x", areas=["Atlantis"]), actor=people["watch"].actor)
    data = rule_input(name="x", areas=["Andaman Sea"], assignee="vik")  # a viewer may not work alerts
    with node.db.write() as session, pytest.raises(InvalidInput, match="assignee: 'vik' is not a person"):
        alerts.create_rule(session, node, data=data, actor=people["watch"].actor)


def _positions(rows: list[tuple[int, Any, float, float]]) -> pa.Table:
    return pa.table(
        {
            "mmsi": pa.array([r[0] for r in rows], pa.int64()),
            "ts": pa.array([r[1].replace(tzinfo=None) for r in rows], pa.timestamp("us")),
            "lat": pa.array([r[2] for r in rows]),
            "lon": pa.array([r[3] for r in rows]),
            "sog": pa.array([8.0 for _ in rows]),
        }
    )


def test_a_watched_vessel_seen_raises_at_most_one_open_alert_per_rule(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    rule = _rule(node, watch, name="watch MY ship", vessel_mmsis=[MY_SHIP], watch_seen=True)
    in_area = _rule(
        node, watch, name="MY ship in Andaman", vessel_mmsis=[MY_SHIP], watch_seen=True, areas=["Andaman Sea"]
    )
    batch = _positions(
        [
            (MY_SHIP, START, *MALACCA),
            (MY_SHIP, START + timedelta(minutes=1), *MALACCA),
            (IN_SHIP, START, *MALACCA),  # not watched
        ]
    )
    with node.db.write() as session:
        (first,) = alerts.evaluate_positions(session, node, rows=batch, actor=watch.actor)
    later = _positions([(MY_SHIP, START + timedelta(hours=1), *MALACCA)])
    with node.db.write() as session:
        assert alerts.evaluate_positions(session, node, rows=later, actor=watch.actor) == []  # one is open
        assert alerts.evaluate_positions(session, node, rows=batch, actor=watch.actor) == []  # the same rows again
    alert = _alert(node, watch, first)
    assert (alert["rule_ref"], alert["event_type"], alert["start"]) == (
        rule,
        "vessel_seen",
        "2026-12-07T10:00:00Z",
    )
    assert "event_ref" not in alert
    with node.db.write() as session:
        alerts.close(session, node, alert_id=first, note="seen, fine", actor=watch.actor)
        (again,) = alerts.evaluate_positions(session, node, rows=later, actor=watch.actor)  # closed: a new one
    assert again != first
    assert _alert(node, watch, again)["start"] == "2026-12-07T11:00:00Z"
    with node.db.read() as session:
        assert alerts.list_alerts(session, node, actor=watch.actor, rule_id=in_area).total == 0  # not in its area


def test_mitra_ais_detect_raises_alerts_for_the_events_it_records(sqlite_node: Node) -> None:
    node = sqlite_node
    watch = add_person(node, "nair", {Role.ANALYST}, agency="NSCS")
    rule = _rule(node, watch, name="gaps", event_rules=[{"event_type": "ais_gap", "thresholds": {"min_hours": 6}}])
    begin = START.replace(tzinfo=None)
    rows = track(MY_SHIP, begin, 1, *MALACCA, 0.001, 8.0) + track(
        MY_SHIP, begin + timedelta(hours=9), 1, *MALACCA, 0.001, 8.0
    )
    write_positions(alerts.PositionStore.for_settings(node.settings), rows)
    report = detect_and_record(node, watch.actor, preset="gfw")
    assert report.by_type.get("ais_gap") == 1
    with node.db.read() as session:
        listed = alerts.list_alerts(session, node, actor=watch.actor)
    assert listed.total == 1
    assert listed.items[0].as_stix()["rule_ref"] == rule
    again = detect_and_record(node, watch.actor, preset="gfw")
    assert again.found == 0
    with node.db.read() as session:
        assert alerts.list_alerts(session, node, actor=watch.actor).total == 1


# ----- across the pair ------------------------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    with paired_nodes(tmp_path) as value:
        yield value


def _released_alert(pair: Pair) -> str:
    """India's rule raises an alert on its event; India's release officer releases the alert to Malaysia."""
    analyst, officer = pair.ind_people["analyst"], pair.ind_people["officer"]
    ind = pair.ind
    _rule(ind, officer, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    event = store_event(ind, officer.actor, event_body(ind, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(ind, analyst, [event])
    with ind.db.write() as session:
        ind.store.release(session, object_id=alert_id, to="MYS", actor=officer.actor)
    return alert_id


def test_another_nations_people_cannot_see_a_rule(pair: Pair) -> None:
    rule = _rule(pair.ind, pair.ind_people["analyst"], name="ours", vessel_mmsis=[MY_SHIP])
    pair.pull(into=pair.mys)
    with pair.mys.db.read() as session:
        with pytest.raises(NotFound):
            alerts.get_rule(session, pair.mys, rule_id=rule, actor=pair.mys_people["analyst"].actor)
        assert alerts.list_rules(session, pair.mys, actor=pair.mys_people["analyst"].actor) == []
    with pair.ind.db.read() as session, pytest.raises(Forbidden):
        alerts.get_rule(session, pair.ind, rule_id=rule, actor=pair.mys_people["analyst"].actor)


def test_a_partners_alert_arrives_read_only_and_cannot_be_closed_here(pair: Pair) -> None:
    alert_id = _released_alert(pair)
    pair.pull(into=pair.mys)
    malaysian = pair.mys_people["analyst"]
    held = _alert(pair.mys, malaysian, alert_id)
    assert held["evidence"]["cap"] == EVIDENCE_CAP
    with pair.mys.db.write() as session, pytest.raises(Forbidden, match="read-only here"):
        alerts.close(session, pair.mys, alert_id=alert_id, note="not ours", actor=malaysian.actor)


def test_a_released_alert_reaches_the_partners_live_stream_as_an_alert(pair: Pair) -> None:
    with pair.mys.db.read() as session:
        start = pair.mys.store.newest_seq(session)
    alert_id = _released_alert(pair)
    pair.pull(into=pair.mys)

    async def first_alert() -> dict[str, Any]:
        feed = live.stream(pair.mys, pair.mys_people["analyst"].actor, since_seq=start)
        try:
            async for message in feed:
                if message["event"] == "alert":
                    return dict(json.loads(message["data"]))
        finally:
            await feed.aclose()
        raise AssertionError("the stream ended without an alert")

    message = asyncio.run(asyncio.wait_for(first_alert(), timeout=20))
    assert message["kind"] == "alert"
    assert message["id"] == alert_id
    assert message["type"] == MARITIME_ALERT.name
    assert (message["received"], message["originator"]) == (True, "IND")
    assert message["alert"]["url"] == f"/maritime/alerts/{alert_id}"
    assert (message["alert"]["lat"], message["alert"]["lon"]) == MALACCA
    assert message["alert"]["status"] == "open"


def test_an_alert_is_no_looser_than_the_event_it_cites(node: Node, people: dict[str, Person]) -> None:
    watch = people["watch"]
    _rule(node, watch, name="any gap", event_rules=[{"event_type": "ais_gap"}])
    body = event_body(node, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8})
    with node.db.write() as session:
        event = node.store.create(
            session, obj=body, handling=HandlingInput("amber+strict", "IND", "NSCS"), actor=watch.actor
        ).as_stix()
    (alert_id,) = _evaluate(node, watch, [event])
    with node.db.read() as session:
        assert node.store.latest_row(session, alert_id).tlp == "amber+strict"


# ----- a rule that shares its alerts --------------------------------------------------------------------------------


def test_only_a_release_officer_saves_a_rule_that_shares_its_alerts_and_only_with_a_partner(pair: Pair) -> None:
    analyst, officer = pair.ind_people["analyst"], pair.ind_people["officer"]
    gaps: dict[str, Any] = {"name": "gaps, shared", "event_rules": [{"event_type": "ais_gap"}]}
    with pytest.raises(Forbidden, match=r"share_with: .*release officer.*MYS"):
        _rule(pair.ind, analyst, **gaps, share_with=["MYS"])
    with pytest.raises(InvalidInput, match="share_with: SGP: not a partner of this node"):
        _rule(pair.ind, officer, **gaps, share_with=["SGP"])
    with pytest.raises(InvalidInput, match="share_with"):
        rule_input(**gaps, share_with=["Malaysia"])
    rule_id = _rule(pair.ind, officer, **gaps, share_with=["mys"])
    with pair.ind.db.read() as session:
        rule = alerts.get_rule(session, pair.ind, rule_id=rule_id, actor=analyst.actor).as_stix()
    assert (rule["share_with"], rule["shared_by"]) == (["MYS"], officer.username)
    changed = rule_input(**gaps, share_with=["MYS"], description="widened")
    with pair.ind.db.write() as session, pytest.raises(Forbidden, match="share_with"):  # nor changes it
        alerts.update_rule(session, pair.ind, rule_id=rule_id, data=changed, actor=analyst.actor)


def test_a_sharing_rules_alert_is_released_as_it_is_raised_and_crosses_at_the_next_pull(pair: Pair) -> None:
    analyst, officer = pair.ind_people["analyst"], pair.ind_people["officer"]
    ind = pair.ind
    _rule(ind, officer, name="gaps, shared", event_rules=[{"event_type": "ais_gap"}], share_with=["MYS"])
    event = store_event(ind, officer.actor, event_body(ind, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(ind, analyst, [event])  # raised by the analyst's evaluation, as by the feed's detection
    with ind.db.read() as session:
        row = ind.store.latest_row(session, alert_id)
        releases = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.object_id == alert_id, AuditEntry.action == "release")
        ).all()
    assert row.releasable_to == "MYS"
    assert row.originator_agency == officer.actor.agency  # the officer's agency releases it
    (detail,) = releases
    assert "watch rule" in json.loads(detail)["rule"]
    pair.pull(into=pair.mys)
    held = _alert(pair.mys, pair.mys_people["analyst"], alert_id)
    assert (held["status"], held["mmsi"]) == ("open", MY_SHIP)


def test_a_sharing_rule_shares_nothing_once_its_officer_is_gone_and_the_alert_says_why(pair: Pair) -> None:
    analyst, officer = pair.ind_people["analyst"], pair.ind_people["officer"]
    ind = pair.ind
    _rule(ind, officer, name="gaps, shared", event_rules=[{"event_type": "ais_gap"}], share_with=["MYS"])
    with ind.db.write() as session:
        gone = session.scalar(select(User).where(User.username == officer.username))
        assert gone is not None
        gone.active = False
    event = store_event(ind, analyst.actor, event_body(ind, event_type="ais_gap", mmsi=MY_SHIP, details={"hours": 8}))
    (alert_id,) = _evaluate(ind, analyst, [event])
    with ind.db.read() as session:
        row = ind.store.latest_row(session, alert_id)
    assert row.releasable_to == ""  # kept at home
    (raised,) = _alert(ind, analyst, alert_id)["history"]
    assert "not shared: MYS:" in raised["note"]
    assert "not an active person" in raised["note"]
