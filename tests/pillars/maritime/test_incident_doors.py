"""An incident's own rules hold on every door: the REST API, the generic import (CLI and store), a partner's sync.

The ASAM importer and the incident form always checked position and category; ``mitra import`` and a partner's
objects did not (latitude 200 and category "nonsense" were stored). The type now carries its check
(``CustomType.check``), which ``validate_object`` applies wherever an object comes in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from mitra.app import create_app
from mitra.cli import app
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.models import Refusal
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.taxii_api import LocalTransport
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.maritime.types import AREA_OF_INTEREST, MARITIME_INCIDENT
from mitra.policy import Actor, Role
from tests.conftest import add_person, node_env
from tests.support.pair import given, paired_nodes

STAMP = "2025-01-07T00:00:00.000Z"
GOOD = {
    "type": MARITIME_INCIDENT.name,
    "name": "Boarding off Port Klang",
    "category": "armed-robbery",
    "occurred_at": "2025-01-06T22:00:00.000Z",
    "latitude": 2.9,
    "longitude": 101.3,
}
BAD = [
    ({"latitude": 200, "longitude": 500}, "latitude"),
    ({"category": "nonsense"}, "category"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"latitude": "2.9"}, "latitude"),
    ({"vessel_mmsi": "12345"}, "vessel_mmsi"),
]


def _incident(number: int, **changes: Any) -> dict[str, Any]:
    return (
        GOOD
        | {
            "spec_version": "2.1",
            "id": f"{MARITIME_INCIDENT.name}--6b9e1a2c-0b0e-4f3e-9a57-8a0c0f1d2e{number:02d}",
            "created": STAMP,
            "modified": STAMP,
        }
        | changes
    )


def _incidents(node: Node) -> int:
    with node.db.read() as session:
        query = select(func.count()).select_from(StixObject).where(StixObject.type == MARITIME_INCIDENT.name)
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize(("change", "field"), BAD)
def test_the_store_path_refuses_what_the_incident_form_refuses(sqlite_node: Node, change: Any, field: str) -> None:
    analyst = add_person(sqlite_node, "asha", {Role.ANALYST}, agency="NSCS").actor
    before = _incidents(sqlite_node)
    handling = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS")
    with sqlite_node.db.write() as session, pytest.raises(InvalidInput, match=field):
        sqlite_node.store.import_objects(
            session, [_incident(1, **change)], actor=analyst, default_handling=handling, where="file"
        )
    assert _incidents(sqlite_node) == before


def test_the_rest_api_refuses_a_bad_incident_naming_the_field(sqlite_node: Node) -> None:
    person = add_person(sqlite_node, "asha", {Role.ANALYST}, agency="NSCS")
    body = {k: v for k, v in _incident(1, latitude=200).items() if k not in ("id", "created", "modified")}
    with TestClient(create_app(sqlite_node.settings, node=sqlite_node)) as client:
        response = client.post(
            "/api/v1/objects",
            headers={"Authorization": f"Bearer {person.token}"},
            json={"object": body, "handling": {"tlp": "green"}},
        )
    assert response.status_code == 422, response.text
    assert "latitude" in response.json()["detail"]


def test_mitra_import_refuses_a_bundle_with_a_bad_incident_and_stores_none_of_it(
    sqlite_node: Node, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.json"
    objects = [_incident(1), _incident(2, category="nonsense")]
    bundle.write_text(
        json.dumps({"type": "bundle", "id": "bundle--" + "1" * 8 + "-1111-4111-8111-" + "1" * 12, "objects": objects})
    )
    before = _incidents(sqlite_node)
    result = CliRunner().invoke(app, ["import", str(bundle), "--tlp", "green"], env=node_env(sqlite_node))
    assert result.exit_code != 0
    assert "category" in result.output
    assert _incidents(sqlite_node) == before


def test_a_partners_bad_incident_is_refused_on_receipt_and_its_good_one_kept(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as pair:
        released = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",))
        good = given(pair.ind, dict(GOOD), released)  # the partner store holds what it holds
        bad = given(pair.ind, GOOD | {"latitude": 200.0}, released)
        area = given(
            pair.ind, {"type": AREA_OF_INTEREST.name, "name": "Nowhere", "geometry": {"type": "Point"}}, released
        )
        partner = Actor(nation="MYS", agency=None, username=None, roles=frozenset({Role.PARTNER}))
        report = pull_from_partner(pair.mys, "IND", LocalTransport(pair.ind, partner))
        assert report.received.refused == 2
        with pair.mys.db.read() as session:
            held = set(session.scalars(select(StixObject.id).where(StixObject.source == "partner")))
            reasons = list(session.scalars(select(Refusal.reason)))
        assert good in held
        assert bad not in held
        assert area not in held
        assert any("latitude" in r for r in reasons)
        assert any("geometry" in r for r in reasons)
