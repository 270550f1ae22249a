"""Every door that narrows who may hold an object, on a live pair: the partner's copy goes, the acknowledgement returns.

Both nodes serve on loopback and sync on their own (a round a second, and notify-then-pull); nothing here
pulls by hand. For each door (REST, a page, the CLI, an import) and each kind of narrowing (fewer nations, a
marking the partner may not hold, a revocation), India narrows an object Malaysia holds; Malaysia must stop
showing it, and India must receive Malaysia's acknowledgement, over HTTP, by the nodes' own sync.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.core.objects import StixObject
from mitra.core.stix import HANDLING_EXTENSION_ID, HandlingInput
from mitra.exchange.partners import pair
from mitra.exchange.retraction import acknowledgements
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings, node_env
from tests.support.live import LiveServer, free_port
from tests.support.pair import given
from tests.support.web import csrf_of

WAIT = 30.0


@dataclass
class LivePair:
    ind: Node
    mys: Node
    ind_url: str
    officer: Person
    mys_analyst: Person


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePair]:
    tmp = tmp_path_factory.mktemp("live-narrowing")
    ports = {"IND": free_port(), "MYS": free_port()}
    nodes = {n: open_node(make_settings(tmp, nation=n, sync_interval_seconds=1)) for n in ports}
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    officer = add_person(nodes["IND"], "ravi", {Role.ANALYST, Role.RELEASE_OFFICER})
    mys_analyst = add_person(nodes["MYS"], "aisyah", {Role.ANALYST}, agency="NACSA")
    with LiveServer(nodes["IND"], ports["IND"]) as ind_server, LiveServer(nodes["MYS"], ports["MYS"]):
        yield LivePair(nodes["IND"], nodes["MYS"], ind_server.url, officer, mys_analyst)
    for node in nodes.values():
        node.close()


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {WAIT:.0f} s: {what}")


def _mys_sees(live: LivePair, object_id: str) -> bool:
    with live.mys.db.read() as session:
        row = session.scalars(
            select(StixObject).where(StixObject.id == object_id, StixObject.is_latest.is_(True))
        ).first()
        return row is not None and live.mys.store.decide_view(row, live.mys_analyst.actor).allowed


def _held_at_mys(live: LivePair, number: int) -> str:
    body = {
        "type": "indicator",
        "name": f"narrowed {number}",
        "pattern": f"[ipv4-addr:value = '45.83.65.{number}']",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }
    object_id = given(live.ind, body, HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",), orcon=False))
    _until(lambda: _mys_sees(live, object_id), f"{object_id} reached MYS")
    return object_id


def _rest(live: LivePair, path: str, payload: dict[str, Any] | None = None) -> None:
    response = requests.post(
        f"{live.ind_url}{path}", headers={"Authorization": f"Bearer {live.officer.token}"}, json=payload, timeout=10
    )
    assert response.status_code in (200, 201), response.text


def rest_fewer_nations(live: LivePair, object_id: str, _: Path) -> str:
    _rest(live, f"/api/v1/objects/{object_id}/versions", {"changes": {}, "handling": {"tlp": "green"}})
    return "withdrawn"


def rest_red_without_the_partner(live: LivePair, object_id: str, _: Path) -> str:
    handling = {"tlp": "red", "releasable_to": ["MYS"], "red_recipients": ["IND:NSCS"]}
    _rest(live, f"/api/v1/intel/objects/{object_id}/versions", {"changes": {}, "handling": handling})
    return "withdrawn"


def rest_revoke(live: LivePair, object_id: str, _: Path) -> str:
    _rest(live, f"/api/v1/objects/{object_id}/revoke")
    return "revoked"


def page_untick_the_partner(live: LivePair, object_id: str, _: Path) -> str:
    with requests.Session() as browser:
        token = csrf_of(browser.get(f"{live.ind_url}/login", timeout=10).text)
        login = {"username": live.officer.username, "password": live.officer.password, "csrf_token": token}
        assert browser.post(f"{live.ind_url}/login", data=login, timeout=10).ok
        with live.ind.db.read() as session:
            body = live.ind.store.latest_row(session, object_id).as_stix()
        form = {k: body[k] for k in ("name", "pattern", "valid_from")} | {"tlp": "green"}
        page = browser.get(f"{live.ind_url}/intel/objects/{object_id}/edit", timeout=10)
        response = browser.post(
            f"{live.ind_url}/intel/objects/{object_id}/edit",
            data=form | {"csrf_token": csrf_of(page.text)},
            allow_redirects=False,
            timeout=10,
        )
    assert response.status_code == 303, response.text
    return "withdrawn"


def cli_import_a_narrowed_version(live: LivePair, object_id: str, tmp_path: Path) -> str:
    with live.ind.db.read() as session:
        body = live.ind.store.latest_row(session, object_id).as_stix()
    body["modified"] = "2099-01-01T00:00:00.000Z"
    body["extensions"][HANDLING_EXTENSION_ID]["releasable_to"] = []
    bundle = tmp_path / "narrowed.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": f"bundle--{object_id.split('--')[1]}", "objects": [body]}))
    result = CliRunner().invoke(app, ["import", str(bundle)], env=node_env(live.ind))
    assert result.exit_code == 0, result.output
    return "withdrawn"


DOORS: dict[str, Callable[[LivePair, str, Path], str]] = {
    "REST new version, no nations": rest_fewer_nations,
    "REST intel version, TLP:RED naming nobody in MYS": rest_red_without_the_partner,
    "REST revoke": rest_revoke,
    "edit page, partner unticked": page_untick_the_partner,
    "mitra import of a narrowed version": cli_import_a_narrowed_version,
}


@pytest.mark.parametrize("door", list(DOORS))
def test_a_narrowing_through_any_door_leaves_the_partner_and_is_acknowledged(
    live: LivePair, door: str, tmp_path: Path
) -> None:
    number = list(DOORS).index(door) + 1
    object_id = _held_at_mys(live, number)
    applied = DOORS[door](live, object_id, tmp_path)
    _until(lambda: not _mys_sees(live, object_id), f"{door}: MYS stopped showing {object_id}")

    def acknowledged() -> bool:
        with live.ind.db.read() as session:
            return [a["applied"] for a in acknowledgements(session, object_id)] == [applied]

    _until(acknowledged, f"{door}: IND received MYS's acknowledgement ({applied})")


def test_a_long_reason_does_not_stop_a_narrowing(live: LivePair) -> None:
    """The retraction's reason has a published limit; a longer explanation is cut (and says so), never refused."""
    from mitra.exchange.retraction import change_marking

    object_id = _held_at_mys(live, 99)
    with live.ind.db.write() as session:
        change_marking(
            session,
            node=live.ind,
            object_id=object_id,
            handling=HandlingInput("green", "IND", "NSCS"),
            actor=live.officer.actor,
            reason="withdrawn after review by the joint working group: " + "details " * 40,
        )
    with live.ind.db.read() as session:
        [retraction] = [
            json.loads(body)
            for body in session.scalars(select(StixObject.body).where(StixObject.type == "x-mitra-retraction"))
            if json.loads(body)["object_ref"] == object_id
        ]
    assert len(retraction["reason"]) == 80
    assert retraction["reason"].startswith("withdrawn after review")
    assert retraction["reason"].endswith("…")
    _until(lambda: not _mys_sees(live, object_id), "MYS stopped showing it")
