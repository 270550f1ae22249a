"""Sightings: a match on a partner's indicator flows back to the originator when policy allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from mitra.core.stix import HandlingInput
from mitra.foundation.errors import Forbidden
from mitra.node import Node
from mitra.pillars.intel.matching.correlation import correlate
from mitra.pillars.intel.matching.engine import IndicatorMatcher
from mitra.pillars.intel.matching.observations import read_observations
from mitra.pillars.intel.matching.service import run_match
from mitra.policy import Actor
from tests.support.pair import Pair, paired_nodes

DNS_LINE = (
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers\n"
    "1735732800.0\tC1\t10.0.0.5\t53124\t10.0.0.53\t53\tudp\tportal-login.example\t198.51.100.23\n"
)


def _indicator(node: Node, actor: Actor, pattern: str, tlp: str, red: tuple[str, ...] = ()) -> str:
    with node.db.write() as session:
        row = node.store.create(
            session,
            obj={
                "type": "indicator",
                "name": pattern,
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": "2025-01-01T00:00:00Z",
            },
            handling=HandlingInput(tlp, node.nation, actor.agency or "", red_recipients=red),
            actor=actor,
        )
        return row.id


def _release(pair: Pair, indicator_id: str) -> None:
    with pair.ind.db.write() as session:
        pair.ind.store.release(  # the documentation addresses are on a warninglist: the officer confirms
            session, object_id=indicator_id, to="MYS", actor=pair.ind_people["officer"].actor, confirm_cautions=True
        )


def _match_at_malaysia(pair: Pair, record: bool = True) -> list[str]:
    batch = read_observations(DNS_LINE.encode(), "zeek-dns")
    with pair.mys.db.write() as session:
        outcome = run_match(
            session,
            store=pair.mys.store,
            actor=pair.mys_people["analyst"].actor,
            batch=batch,
            record=record,
            source="dns.log",
        )
    return [s.id for s in outcome.sightings]


def _sightings_seen_by_india(pair: Pair) -> list[dict[str, object]]:
    with pair.ind.db.read() as session:
        rows, _ = pair.ind.store.search(session, actor=pair.ind_people["analyst"].actor, types=["sighting"])
    return [r.as_stix() for r in rows]


def test_sighting_of_a_released_indicator_reaches_its_originator(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        indicator = _indicator(
            pair.ind, pair.ind_people["officer"].actor, "[domain-name:value = 'portal-login.example']", "amber"
        )
        _release(pair, indicator)
        pair.pull(into=pair.mys)
        assert len(_match_at_malaysia(pair)) == 1
        pair.pull(into=pair.ind)
        (sighting,) = _sightings_seen_by_india(pair)
        assert sighting["sighting_of_ref"] == indicator
        assert sighting["count"] == 1
        assert sighting["first_seen"] == "2025-01-01T12:00:00.000Z"


def test_sighting_of_a_red_indicator_stays_with_the_finder(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        indicator = _indicator(
            pair.ind,
            pair.ind_people["officer"].actor,
            "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
            "red",
            red=("MYS:NSC",),
        )
        _release(pair, indicator)
        pair.pull(into=pair.mys)
        assert len(_match_at_malaysia(pair)) == 1
        pair.pull(into=pair.ind)
        assert _sightings_seen_by_india(pair) == []


def test_indicators_not_released_are_not_matched_by_the_partner(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        _indicator(pair.ind, pair.ind_people["officer"].actor, "[domain-name:value = 'portal-login.example']", "amber")
        pair.pull(into=pair.mys)
        assert _match_at_malaysia(pair) == []


def test_a_viewer_may_match_but_not_record_sightings(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        batch = read_observations(DNS_LINE.encode(), "zeek-dns")
        viewer = pair.ind_people["viewer"].actor
        with pair.ind.db.read() as session:
            run_match(session, store=pair.ind.store, actor=viewer, batch=batch, record=False, source="x")
        with pair.ind.db.write() as session, pytest.raises(Forbidden):
            run_match(session, store=pair.ind.store, actor=viewer, batch=batch, record=True, source="x")


def test_revoked_and_expired_indicators_are_not_active(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        officer = pair.ind_people["officer"].actor
        revoked = _indicator(pair.ind, officer, "[domain-name:value = 'a.example']", "green")
        live = _indicator(pair.ind, officer, "[domain-name:value = 'b.example']", "green")
        with pair.ind.db.write() as session:
            pair.ind.store.revoke(session, object_id=revoked, actor=officer)
            pair.ind.store.create(
                session,
                obj={
                    "type": "indicator",
                    "pattern": "[domain-name:value = 'c.example']",
                    "pattern_type": "stix",
                    "valid_from": "2020-01-01T00:00:00Z",
                    "valid_until": "2021-01-01T00:00:00Z",
                },
                handling=HandlingInput("green", "IND", officer.agency or ""),
                actor=officer,
            )
        with pair.ind.db.read() as session:
            matcher = IndicatorMatcher.for_actor(session, store=pair.ind.store, actor=officer)
        assert [i.id for i in matcher.indicators] == [live]


def test_shared_value_found_by_the_partner_is_correlated_across_nations(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        indicator = _indicator(
            pair.ind, pair.ind_people["officer"].actor, "[domain-name:value = 'portal-login.example']", "amber"
        )
        _release(pair, indicator)
        pair.pull(into=pair.mys)
        _match_at_malaysia(pair)
        pair.pull(into=pair.ind)
        with pair.ind.db.read() as session:
            groups = correlate(session, store=pair.ind.store, actor=pair.ind_people["analyst"].actor)
        (group,) = groups
        assert (group.value, group.nations) == ("portal-login.example", ["IND", "MYS"])
        assert {o.type for o in group.objects} == {"indicator", "sighting"}
