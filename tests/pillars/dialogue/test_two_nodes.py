"""Two nodes: an update made in Kuala Lumpur reaches New Delhi with its evidence; conflicts are kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.core.schemas import HandlingIn
from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.types import COMMITMENT
from tests.conftest import Person
from tests.pillars.dialogue.conftest import post_update, read_register
from tests.support.pair import Pair, paired_nodes
from tests.support.web import log_in

TODAY = date(2025, 12, 1)
SECRET_NAME = "Source-protected boarding report"
TO_IND = HandlingIn(tlp="green", releasable_to=["IND"])  # what a Malaysian release officer shares
TO_MYS = HandlingIn(tlp="green", releasable_to=["MYS"])


def _evidence(node: Node, person: Person, name: str, releasable_to: tuple[str, ...]) -> str:
    with node.db.write() as session:
        row = node.store.create(
            session,
            obj={"type": "incident", "name": name, "description": "Armed robbery, Strait of Malacca"},
            handling=HandlingInput("green", node.nation, person.actor.agency or "", releasable_to),
            actor=person.actor,
        )
        return row.id


def _seeded_pair(pair: Pair) -> None:
    pair.ind.seed()
    pair.mys.seed()
    pair.pull(into=pair.mys)


def test_an_update_from_kuala_lumpur_reaches_new_delhi_with_its_evidence(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        _seeded_pair(pair)
        maritime = pair.ind.seed_id(COMMITMENT, "sd1:maritime-security")
        analyst = pair.mys_people["officer"]  # what reaches the partner, a release officer released
        shared = _evidence(pair.mys, analyst, "Joint response to a boarding off Port Klang", ("IND",))
        kept = _evidence(pair.mys, analyst, SECRET_NAME, ())
        update_id = post_update(
            pair.mys,
            analyst,
            service.UpdateInput(
                maritime,
                "MMEA and the Indian Navy handled a boarding together",
                "2025-09-14",
                evidence=(
                    service.EvidenceInput(shared, counts_toward="maritime-incidents-joint"),
                    service.EvidenceInput(kept, counts_toward="maritime-incidents-joint"),
                ),
                handling=TO_IND,
            ),
            TODAY,
        )
        pair.pull(into=pair.ind)
        state = read_register(pair.ind, pair.ind_people["viewer"], TODAY).commitment(maritime)
        [item] = state.updates
        assert (item.update.id, item.update.nation, item.update.received) == (update_id, "MYS", True)
        assert [(e.visible, e.label) for e in item.evidence] == [
            (True, "Joint response to a boarding off Port Klang"),
            (False, None),
        ]
        counts = {i.key: i.actuals for i in state.indicators}
        assert counts["maritime-incidents-joint"] == {2025: 1.0}  # the withheld link is not counted


def test_withheld_evidence_is_shown_as_withheld_never_its_content(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        _seeded_pair(pair)
        maritime = pair.ind.seed_id(COMMITMENT, "sd1:maritime-security")
        analyst = pair.mys_people["officer"]  # what reaches the partner, a release officer released
        kept = _evidence(pair.mys, analyst, SECRET_NAME, ())
        post_update(
            pair.mys,
            analyst,
            service.UpdateInput(
                maritime, "Boarding handled", "2025-09-14", evidence=(service.EvidenceInput(kept),), handling=TO_IND
            ),
            TODAY,
        )
        pair.pull(into=pair.ind)
        with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:
            log_in(client, pair.ind_people["viewer"])
            page = client.get(f"/dialogue/commitments/{maritime}").text
        assert "Boarding handled" in page
        assert "withheld" in page
        assert SECRET_NAME not in page


def test_conflicting_reports_from_the_two_sides_are_both_kept_and_shown(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        _seeded_pair(pair)
        annual = pair.ind.seed_id(COMMITMENT, "sd1:annual")
        ind_id = post_update(
            pair.ind,
            pair.ind_people["officer"],
            service.UpdateInput(annual, "Dates agreed", "2025-11-01", "session-2", "met", handling=TO_MYS),
            TODAY,
        )
        mys_id = post_update(
            pair.mys,
            pair.mys_people["officer"],
            service.UpdateInput(annual, "Dates not yet agreed", "2025-11-02", "session-2", "notMet", handling=TO_IND),
            TODAY,
        )
        pair.pull(into=pair.ind)
        pair.pull(into=pair.mys)
        for node, person in ((pair.ind, pair.ind_people["viewer"]), (pair.mys, pair.mys_people["viewer"])):
            state = read_register(node, person, TODAY).commitment(annual)
            [milestone] = state.milestones
            assert milestone.status == "conflict"
            assert {n: (s, u) for n, (s, u, _) in milestone.by_nation.items()} == {
                "IND": ("met", ind_id),
                "MYS": ("notMet", mys_id),
            }
            assert state.status == "conflict"
            assert len(state.updates) == 2


def _commitment_page(node: Node, person: Person, commitment: str) -> str:
    with TestClient(create_app(node.settings, node=node)) as client:
        log_in(client, person)
        return client.get(f"/dialogue/commitments/{commitment}").text


def test_an_update_kept_home_is_marked_not_shared_there_and_absent_on_the_partner_until_released(
    tmp_path: Path,
) -> None:
    with paired_nodes(tmp_path) as pair:
        _seeded_pair(pair)
        annual = pair.ind.seed_id(COMMITMENT, "sd1:annual")
        officer = pair.ind_people["officer"]
        kept = post_update(pair.ind, officer, service.UpdateInput(annual, "Venue options drafted", "2025-11-01"), TODAY)
        post_update(
            pair.ind, officer, service.UpdateInput(annual, "Dates proposed", "2025-11-02", handling=TO_MYS), TODAY
        )
        pair.pull(into=pair.mys)
        home = _commitment_page(pair.ind, pair.ind_people["viewer"], annual)
        assert f'data-id="{kept}"' in home
        assert home.count("not shared with MYS") == 1  # only the update kept home
        partner = _commitment_page(pair.mys, pair.mys_people["viewer"], annual)
        assert "Dates proposed" in partner
        assert "Venue options drafted" not in partner  # nothing of it leaks
        assert kept not in partner
        assert "not shared with" not in partner  # the partner's own record holds everything it shows
        with pair.ind.db.write() as session:
            pair.ind.store.release(session, object_id=kept, to="MYS", actor=officer.actor)
        pair.pull(into=pair.mys)
        assert "not shared with MYS" not in _commitment_page(pair.ind, pair.ind_people["viewer"], annual)
        assert "Venue options drafted" in _commitment_page(pair.mys, pair.mys_people["viewer"], annual)
