"""Who may receive what is indexed (``object_recipients``): it follows every marking, and a page reads what it returns.

A partner's feed reads candidates off the (nation, seq) index instead of matching ``releasable_to`` with LIKE
from the cursor on. The index must agree with every version's ``releasable_to`` after whatever wrote it (a
create, a release, an import, a re-marking of another producer's object, a received version), and a page
of a feed whose objects are mostly not released to the partner must not read the unreleased ones.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import select

from mitra.core.objects import Provenance, Recipient, StixObject
from mitra.core.stix import HandlingInput, apply_handling
from mitra.exchange.taxii import ObjectFilter, TaxiiService, read_collection_id
from mitra.node import Node
from mitra.pillars.intel import service
from mitra.policy import Actor, Role
from tests.conftest import shared_file
from tests.support.pair import Pair, paired_nodes

PARTNER = Actor(nation="MYS", agency=None, username="partner-mys", roles=frozenset({Role.PARTNER}))


def _indicator(number: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{number:012d}",
        "created": "2025-01-07T00:00:00.000Z",
        "modified": "2025-01-07T00:00:00.000Z",
        "pattern_type": "stix",
        "pattern": f"[ipv4-addr:value = '198.51.{number // 250 % 250}.{number % 250}']",
        "valid_from": "2025-01-07T00:00:00Z",
    }


def _store(node: Node, numbers: range, releasable_to: tuple[str, ...]) -> None:
    handling = HandlingInput("green", "IND", "NSCS", releasable_to=releasable_to)
    with node.db.write() as session:
        node.store.store_versions(
            session,
            [apply_handling(_indicator(n), handling) for n in numbers],
            provenance=Provenance(),
            audit_actor="test",
        )


def assert_index_matches(node: Node) -> None:
    with node.db.read() as session:
        derived = {
            (nation, seq)
            for seq, releasable in session.execute(select(StixObject.seq, StixObject.releasable_to))
            for nation in releasable.split()
        }
        indexed = {(nation, seq) for nation, seq in session.execute(select(Recipient.nation, Recipient.seq))}
    assert indexed == derived


def test_the_index_follows_every_door_that_writes_a_marking(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as nodes:
        _exercise(nodes)
        for node in (nodes.ind, nodes.mys):
            assert_index_matches(node)


def _exercise(nodes: Pair) -> None:
    analyst, officer = nodes.ind_people["analyst"].actor, nodes.ind_people["officer"].actor
    _store(nodes.ind, range(1, 6), ("MYS",))
    _store(nodes.ind, range(6, 11), ())
    with nodes.ind.db.write() as session:  # a release of an own object, a narrowing: new versions
        nodes.ind.store.release(session, object_id=_indicator(6)["id"], to="MYS", actor=officer)
        narrowed = HandlingInput("green", "IND", "NSCS", releasable_to=())
        nodes.ind.store.new_version(
            session, object_id=_indicator(1)["id"], changes={"name": "n"}, actor=officer, handling=narrowed
        )
    bundle = json.loads(shared_file("intel/attack/enterprise-attack-18.1-stix21-derived.json").read_text())
    objects = [o for o in bundle["objects"] if o["type"] == "attack-pattern"][:5]
    document = {"type": "bundle", "id": bundle["id"], "objects": objects}
    with nodes.ind.db.write() as session:  # another producer's objects, then re-marked in place twice
        service.import_stix(session, nodes.ind, actor=analyst, document=document, where="attack.json", tlp="green")
        nodes.ind.store.release(session, object_id=objects[0]["id"], to="MYS", actor=officer)
        nodes.ind.store.release(session, object_id=objects[1]["id"], to="MYS", actor=officer)
    nodes.pull(nodes.mys)
    with nodes.ind.db.write() as session:
        nodes.ind.store.new_version(
            session,
            object_id=objects[1]["id"],
            changes={},
            actor=officer,
            handling=HandlingInput("green", "IND", "NSCS", releasable_to=()),
        )
    nodes.pull(nodes.mys)  # received versions and a retraction
    nodes.pull(nodes.ind)  # the acknowledgements
    with nodes.mys.db.read() as session:  # the exercise did what it says: the index had something to follow
        assert session.scalar(select(StixObject.withdrawn).where(StixObject.id == objects[1]["id"]))


def _steps_for_first_page(node: Node) -> tuple[int, int]:
    """SQLite virtual-machine steps to build the first page of 100 of the partner's feed, and its rows."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with node.db.read() as session:
        raw = session.connection().connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.set_progress_handler(count, 100)
        try:
            page = TaxiiService(node).page(
                session, PARTNER, read_collection_id(node.nation, "MYS"), ObjectFilter(), limit=100, next_token=None
            )
        finally:
            raw.set_progress_handler(None, 100)
    return steps, len(page.rows)


def test_a_page_reads_about_what_it_returns_however_much_is_not_released(tmp_path: Path) -> None:
    with paired_nodes(tmp_path / "few") as few, paired_nodes(tmp_path / "many") as many:
        _store(few.ind, range(1, 201), ("MYS",))
        _store(many.ind, range(1, 20_001), ())  # twenty thousand objects the partner may not have, first in seq
        _store(many.ind, range(20_001, 20_201), ("MYS",))
        plain, plain_rows = _steps_for_first_page(few.ind)
        crowded, crowded_rows = _steps_for_first_page(many.ind)
    assert plain_rows == crowded_rows == 100
    assert crowded < 2 * plain  # matching releasable_to from the cursor read all 20,000 first (over 25 times as many)
