"""One marking input for every pillar's forms: the same fields everywhere, read and checked the same way."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.dialogue.types import COMMITMENT
from mitra.policy import Actor, Role
from mitra.web.marking import MarkingForm
from tests.conftest import Person
from tests.support.web import log_in

ANALYST = Actor(nation="IND", agency="CERT-In", username="asha", roles=frozenset({Role.ANALYST}))
_FIELDSET = re.compile(r'<fieldset class="marking">(.*?)</fieldset>', re.S)


def _forms(node: Node) -> list[str]:
    return [
        "/intel/new/indicator",
        "/maritime/incidents",
        "/maritime/areas",
        "/defence/organisations/new",
        "/defence/opportunities/new",
        "/defence/exercises",
        f"/dialogue/commitments/{node.seed_id(COMMITMENT, 'sd1:annual')}",
    ]


def _names(fieldset: str) -> list[str]:
    return sorted(set(re.findall(r'name="([a-z_]+)"', fieldset)))


def test_every_pillars_form_offers_the_same_markings(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    log_in(client, people["officer"])
    seen = {}
    for url in _forms(web_node):
        page = client.get(url)
        assert page.status_code == 200, url
        fieldsets = _FIELDSET.findall(page.text)
        assert fieldsets, f"{url} has no marking input"
        for number, fieldset in enumerate(fieldsets):
            seen[f"{url} #{number}"] = tuple(_names(fieldset))
            assert 'name="releasable_to" value="MYS"' in fieldset, url  # the node's partner, not a fixed list
            for level in ("clear", "green", "amber", "amber+strict", "red"):
                assert f'value="{level}"' in fieldset, f"{url} lacks TLP:{level}"
    assert set(seen.values()) == {("orcon", "red_recipients", "releasable_to", "tlp")}, seen


def test_a_marking_reads_checkboxes_or_typed_nations_alike() -> None:
    boxes = MarkingForm.read([("tlp", "amber"), ("releasable_to", "MYS"), ("releasable_to", "SGP"), ("orcon", "on")])
    typed = MarkingForm.read([("tlp", "amber"), ("releasable_to", "mys, SGP; MYS"), ("orcon", "on")])
    assert boxes == typed == MarkingForm("amber", ("MYS", "SGP"), True, ())
    handling = boxes.handling(ANALYST)
    assert (handling.originator_nation, handling.originator_agency) == ("IND", "CERT-In")
    assert MarkingForm.read([("tlp", "green")]).orcon is False  # an unticked box is absent from the form


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([("tlp", "secret")], "tlp"),
        ([("tlp", "green"), ("releasable_to", "Malaysia")], "releasable_to"),
        ([("tlp", "red"), ("red_recipients", "NSCS")], "red_recipients"),
    ],
)
def test_a_wrong_marking_names_its_field(items: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{field}"):
        MarkingForm.read(items).handling(ANALYST)


def test_defence_forms_take_red_recipients_and_orcon_as_every_pillar_does(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    csrf = log_in(client, people["analyst"])
    response = client.post(
        "/defence/organisations/new",
        data={
            "csrf_token": csrf,
            "name": "Quiet Works",
            "tlp": "red",
            "red_recipients": "IND:NSCS\nIND:CERT-In:vik",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    with web_node.db.read() as session:
        [row] = [
            r
            for r in web_node.store.iter_visible(session, actor=people["analyst"].actor, types=["identity"])
            if r.name == "Quiet Works"
        ]
    assert row.tlp == "red"
    assert sorted(__import__("json").loads(row.red_recipients)) == ["IND:CERT-In:vik", "IND:NSCS"]
    assert row.orcon is False  # not ticked


def test_a_refused_marking_gives_the_form_back_as_filled(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    csrf = log_in(client, people["analyst"])
    response = client.post(
        "/maritime/incidents",
        data={
            "csrf_token": csrf,
            "name": "Boarding off Port Klang",
            "category": "armed-robbery",
            "occurred_at": "2025-09-14T02:00",
            "latitude": "2.9",
            "longitude": "101.3",
            "tlp": "amber+strict",  # never leaves the agency: no release, and no request for one either
            "releasable_to": "MYS",
            "orcon": "on",
        },
    )
    assert response.status_code == 403
    assert "AMBER+STRICT never leaves" in response.text
    [fieldset] = _FIELDSET.findall(response.text)
    assert 'value="amber+strict" selected' in fieldset
    assert 'name="releasable_to" value="MYS" checked' in fieldset
