"""Foreign objects keep their version: another producer's object is held byte for byte under its (id, modified).

Two nodes import the same ATT&CK bundle (the shipped one, a slice) under different markings. Before,
each wrote Mitra's handling extension and its TLP into MITRE's objects while keeping their id and
``modified``: two texts under one version, which a partner deduplicating on (id, modified) cannot tell
apart. Now the body is MITRE's on both nodes; each node's handling lives in its marking columns, travels
beside the object in the exchange (``x_mitra_handling``, signed with it), and a re-marking changes the
marking, never the version.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.models import Refusal
from mitra.exchange.retraction import acknowledgements
from mitra.exchange.witness import verify_received
from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import Conflict
from mitra.node import Node
from mitra.pillars.intel import service
from tests.conftest import Person, shared_file
from tests.support.pair import Pair, paired_nodes

ATTACK = "intel/attack/enterprise-attack-18.1-stix21-derived.json"


@functools.cache
def _slice_text() -> str:
    bundle = json.loads(shared_file(ATTACK).read_text())
    patterns = [o for o in bundle["objects"] if o["type"] == "attack-pattern"][:40]
    return json.dumps({"type": "bundle", "id": bundle["id"], "objects": patterns})


def _bundle() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(_slice_text())
    return value


def _import(node: Node, person: Person, tlp: str) -> None:
    with node.db.write() as session:
        service.import_stix(session, node, actor=person.actor, document=_bundle(), where="attack.json", tlp=tlp)


def _row(node: Node, object_id: str) -> StixObject:
    with node.db.read() as session:
        row = session.scalar(select(StixObject).where(StixObject.id == object_id, StixObject.is_latest.is_(True)))
    assert row is not None, object_id
    return row


def _versions(node: Node, object_id: str) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).where(StixObject.id == object_id)) or 0)


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    with paired_nodes(tmp_path) as value:
        yield value


def _release_officer(pair: Pair) -> Person:
    return pair.ind_people["officer"]


def test_two_nodes_importing_one_bundle_under_different_markings_hold_the_same_text(pair: Pair) -> None:
    _import(pair.ind, pair.ind_people["analyst"], "green")
    _import(pair.mys, pair.mys_people["analyst"], "amber")
    for published in _bundle()["objects"]:
        ind, mys = _row(pair.ind, published["id"]), _row(pair.mys, published["id"])
        assert ind.body == mys.body == canonical_json(published)  # MITRE's object, as MITRE published it
        assert (ind.tlp, mys.tlp) == ("green", "amber")  # each node's own handling, beside it
        assert ind.is_foreign
        assert mys.is_foreign


def test_a_released_foreign_object_reaches_the_partner_unchanged_with_its_handling_beside_it(pair: Pair) -> None:
    _import(pair.ind, pair.ind_people["analyst"], "green")
    published = _bundle()["objects"][0]
    with pair.ind.db.write() as session:
        pair.ind.store.release(session, object_id=published["id"], to="MYS", actor=_release_officer(pair).actor)
    assert _versions(pair.ind, published["id"]) == 1  # a release re-marks; it writes no version of MITRE's
    pair.pull(into=pair.mys)
    held = _row(pair.mys, published["id"])
    assert held.body == canonical_json(published)
    assert (held.tlp, held.originator_nation, held.received_from) == ("green", "IND", "IND")
    with pair.mys.db.read() as session:
        assert all(check.ok for check in verify_received(session, pair.mys))  # object and handling, as signed
        assert session.scalar(select(func.count()).select_from(Refusal)) == 0


def test_a_partner_copy_of_a_record_held_already_is_one_object(pair: Pair) -> None:
    """Both nodes hold MITRE's object; India releases its copy: Malaysia keeps one object, its own."""
    _import(pair.ind, pair.ind_people["analyst"], "green")
    _import(pair.mys, pair.mys_people["analyst"], "amber")
    published = _bundle()["objects"][0]
    with pair.ind.db.write() as session:
        pair.ind.store.release(session, object_id=published["id"], to="MYS", actor=_release_officer(pair).actor)
    report = pair.pull(into=pair.mys)
    assert report.received.already_held >= 1
    assert _versions(pair.mys, published["id"]) == 1
    assert _row(pair.mys, published["id"]).originator_nation == "MYS"


def test_a_narrowing_of_a_foreign_object_withdraws_it_at_the_partner_without_a_new_version(pair: Pair) -> None:
    _import(pair.ind, pair.ind_people["analyst"], "green")
    published = _bundle()["objects"][0]
    officer = _release_officer(pair).actor
    with pair.ind.db.write() as session:
        pair.ind.store.release(session, object_id=published["id"], to="MYS", actor=officer)
    pair.pull(into=pair.mys)
    narrowed = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS", releasable_to=())
    with pair.ind.db.write() as session:
        pair.ind.store.new_version(session, object_id=published["id"], changes={}, actor=officer, handling=narrowed)
    assert _versions(pair.ind, published["id"]) == 1
    assert _row(pair.ind, published["id"]).body == canonical_json(published)
    pair.pull(into=pair.mys)  # the retraction
    assert _row(pair.mys, published["id"]).withdrawn
    pair.pull(into=pair.ind)  # the acknowledgement
    with pair.ind.db.read() as session:
        assert [a["applied"] for a in acknowledgements(session, published["id"])] == ["withdrawn"]


def test_a_widened_marking_reaches_the_partner_as_a_new_marking_of_the_same_version(pair: Pair) -> None:
    _import(pair.ind, pair.ind_people["analyst"], "green")
    published = _bundle()["objects"][0]
    officer = _release_officer(pair).actor
    with pair.ind.db.write() as session:
        pair.ind.store.release(session, object_id=published["id"], to="MYS", actor=officer)
    pair.pull(into=pair.mys)
    cleared = HandlingInput(
        tlp="clear", originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",), orcon=False
    )
    with pair.ind.db.write() as session:
        pair.ind.store.new_version(session, object_id=published["id"], changes={}, actor=officer, handling=cleared)
    pair.pull(into=pair.mys)
    held = _row(pair.mys, published["id"])
    assert (held.tlp, held.orcon) == ("clear", False)
    assert held.body == canonical_json(published)
    assert _versions(pair.mys, published["id"]) == 1
    with pair.mys.db.read() as session:
        assert all(check.ok for check in verify_received(session, pair.mys))


def test_nobody_writes_a_version_of_another_producers_object(pair: Pair) -> None:
    _import(pair.ind, pair.ind_people["analyst"], "green")
    published = _bundle()["objects"][0]
    analyst = pair.ind_people["analyst"].actor
    with pair.ind.db.write() as session, pytest.raises(Conflict, match="another producer"):
        pair.ind.store.new_version(session, object_id=published["id"], changes={"name": "ours now"}, actor=analyst)
    with pair.ind.db.write() as session, pytest.raises(Conflict, match="revoke"):
        pair.ind.store.revoke(session, object_id=published["id"], actor=analyst)
    assert _row(pair.ind, published["id"]).body == canonical_json(published)


def test_a_partner_cannot_version_an_object_this_node_originated(pair: Pair) -> None:
    """A partner's 'new version' of an id India originated is refused; India's object stays India's."""
    from mitra.core.objects import Provenance
    from mitra.core.stix import apply_handling
    from tests.support.pair import given

    ours = given(
        pair.ind,
        {"type": "note", "content": "India's note", "object_refs": [f"identity--{'0' * 8}-0000-4000-8000-{'0' * 12}"]},
        HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS"),
    )
    original = _row(pair.ind, ours)
    claimed = {
        **original.as_stix(),
        "content": "Malaysia's text under India's id",
        "modified": "2099-01-01T00:00:00.000Z",
    }
    with pair.mys.db.write() as session:
        pair.mys.store.store_versions(
            session,
            [apply_handling({k: v for k, v in claimed.items() if k != "extensions"}, MALAYSIAN)],
            provenance=Provenance(),
            audit_actor="test-setup",
        )
    report = pair.pull(into=pair.ind)
    assert report.received.refused == 1
    held = _row(pair.ind, ours)
    assert (held.originator_nation, held.body) == ("IND", original.body)
    with pair.ind.db.read() as session:
        (reason,) = session.scalars(select(Refusal.reason).where(Refusal.object_id == ours))
    assert "only the originator versions it" in reason


MALAYSIAN = HandlingInput(tlp="green", originator_nation="MYS", originator_agency="NSC", releasable_to=("IND",))
