"""The object's own page acts: release, narrow, revoke and edit, each offered only to whoever the policy lets do it.

A form's mistake comes back beside its field with what was typed; a refusal or a wrong address is a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mitra.app import create_app
from mitra.audit.service import AuditEntry
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.intel import service
from tests.conftest import Person
from tests.support.pair import paired_nodes
from tests.support.web import log_in

MISSING = "indicator--00000000-0000-4000-8000-000000000000"


def _indicator(name: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "name": name,
        "pattern": "[ipv4-addr:value = '45.83.64.10']",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }


def _create(node: Node, person: Person, obj: dict[str, Any], tlp: str = "green") -> str:
    handling = HandlingInput(tlp, node.nation, person.actor.agency or "")
    with node.db.write() as session:
        return node.store.create(session, obj=obj, handling=handling, actor=person.actor).id


def _versions(node: Node, object_id: str) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).where(StixObject.id == object_id)) or 0)


def _latest(node: Node, object_id: str) -> StixObject:
    with node.db.read() as session:
        return node.store.latest_row(session, object_id)


def _forms(page: str) -> set[str]:
    """The actions a page offers, by the address its forms post to."""
    return set(re.findall(r'<form method="post" action="/objects/[^"/]+/(\w+)"', page))


def _beside(page: str, field: str) -> str:
    found = re.search(rf'<strong class="error" id="error-{field}">(.*?)</strong>', page, re.S)
    assert found is not None, f"no error beside {field}"
    return found.group(1)


@pytest.fixture
def indicator(web_node: Node, people: dict[str, Person]) -> str:
    return _create(web_node, people["analyst"], _indicator("Scanner seen at two ports"))


def test_a_viewer_sees_no_action_and_a_forged_post_is_a_403_page_that_changes_nothing(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    token = log_in(client, people["viewer"])
    page = client.get(f"/objects/{indicator}")
    assert page.status_code == 200
    assert _forms(page.text) == set()
    assert "Act on it" not in page.text
    for action, form in (
        ("release", {"to": "MYS"}),
        ("narrow", {"tlp": "amber", "orcon": "on"}),
        ("revoke", {"reason": "forged", "confirm": "on"}),
    ):
        refused = client.post(f"/objects/{indicator}/{action}", data=form | {"csrf_token": token})
        assert refused.status_code == 403, action
        assert refused.headers["content-type"].startswith("text/html")
        assert "<h1>Forbidden</h1>" in refused.text
        assert 'action="/logout"' in refused.text  # in the signed-in shell
    assert _versions(web_node, indicator) == 1


def test_a_post_without_the_session_csrf_token_is_refused(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    log_in(client, people["officer"])
    refused = client.post(f"/objects/{indicator}/release", data={"to": "MYS", "csrf_token": "forged"})
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert _versions(web_node, indicator) == 1


def test_an_analyst_may_edit_narrow_and_revoke_and_ask_for_release(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    token = log_in(client, people["analyst"])
    page = client.get(f"/objects/{indicator}").text
    assert _forms(page) == {"narrow", "revoke", "release"}
    assert "Ask for release" in page
    assert f'href="/intel/objects/{indicator}/edit"' in page  # the pillar's own edit form
    asked = client.post(f"/objects/{indicator}/release", data={"to": "MYS", "csrf_token": token})
    assert asked.status_code == 200
    assert "a release officer decides" in asked.text
    assert _latest(web_node, indicator).releasable == ()


def test_a_release_officer_releases_on_the_page_and_sees_it_said(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    actor_id = _create(
        web_node,
        people["officer"],
        {"type": "threat-actor", "name": "Harbour crew"},
    )
    token = log_in(client, people["officer"])
    assert "release" in _forms(client.get(f"/objects/{actor_id}").text)
    done = client.post(f"/objects/{actor_id}/release", data={"to": "MYS", "csrf_token": token})
    assert done.status_code == 200
    assert "Released to MYS" in done.text
    assert _latest(web_node, actor_id).releasable == ("MYS",)
    assert "release" not in _forms(done.text)  # releasable to every partner now: nothing left to release


def test_an_indicator_is_released_on_its_own_page_like_any_object(
    client: TestClient, people: dict[str, Person], indicator: str
) -> None:
    log_in(client, people["officer"])
    page = client.get(f"/objects/{indicator}").text
    assert "release" in _forms(page)  # its warninglist hits, if any, are shown and confirmed there


def test_a_release_to_a_nation_that_is_no_partner_is_said_beside_the_field(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    actor_id = _create(
        web_node,
        people["officer"],
        {"type": "threat-actor", "name": "Harbour crew"},
    )
    token = log_in(client, people["officer"])
    answer = client.post(f"/objects/{actor_id}/release", data={"to": "xyz", "csrf_token": token})
    assert answer.status_code == 422
    said = _beside(answer.text, "to")
    assert "&#39;XYZ&#39; is not a partner" in said
    assert "MYS" in said
    assert _versions(web_node, actor_id) == 1


def test_a_wrong_marking_value_is_said_beside_its_field_and_what_was_typed_is_kept(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    token = log_in(client, people["analyst"])
    form = {
        "tlp": "amber",
        "orcon": "on",
        "red_recipients": "not a recipient",
        "reason": "source asked",
        "csrf_token": token,
    }
    answer = client.post(f"/objects/{indicator}/narrow", data=form)
    assert answer.status_code == 422
    assert "&#39;not a recipient&#39; is not valid" in _beside(answer.text, "red_recipients")
    assert ">not a recipient</textarea>" in answer.text
    assert 'value="source asked"' in answer.text
    assert '<option value="amber" selected>' in answer.text
    assert _versions(web_node, indicator) == 1


def test_a_looser_marking_is_refused_beside_the_marking_with_the_policys_reason(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    amber = _create(web_node, people["analyst"], _indicator("amber one"), tlp="amber")
    token = log_in(client, people["analyst"])
    answer = client.post(f"/objects/{amber}/narrow", data={"tlp": "green", "orcon": "on", "csrf_token": token})
    assert answer.status_code == 403
    assert "TLP:GREEN is looser than TLP:AMBER" in _beside(answer.text, "marking")
    assert '<option value="green" selected>' in answer.text
    assert _latest(web_node, amber).tlp == "amber"
    assert _versions(web_node, amber) == 1


def test_the_same_marking_again_is_no_narrowing(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    token = log_in(client, people["analyst"])
    answer = client.post(f"/objects/{indicator}/narrow", data={"tlp": "green", "orcon": "on", "csrf_token": token})
    assert answer.status_code == 422
    assert "is the marking it has already" in _beside(answer.text, "marking")
    assert _versions(web_node, indicator) == 1


def test_a_narrowing_on_the_page_writes_the_stricter_marking(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    token = log_in(client, people["analyst"])
    done = client.post(f"/objects/{indicator}/narrow", data={"tlp": "amber", "orcon": "on", "csrf_token": token})
    assert done.status_code == 200
    assert "Marking narrowed to TLP:AMBER" in done.text
    assert _latest(web_node, indicator).tlp == "amber"


def test_a_revocation_needs_a_reason_and_a_confirmation(
    client: TestClient, people: dict[str, Person], web_node: Node, indicator: str
) -> None:
    token = log_in(client, people["analyst"])
    unconfirmed = client.post(f"/objects/{indicator}/revoke", data={"reason": "false positive", "csrf_token": token})
    assert unconfirmed.status_code == 422
    assert "tick it to confirm" in _beside(unconfirmed.text, "confirm")
    assert 'value="false positive"' in unconfirmed.text
    unexplained = client.post(f"/objects/{indicator}/revoke", data={"confirm": "on", "csrf_token": token})
    assert unexplained.status_code == 422
    assert "is empty" in _beside(unexplained.text, "reason")
    assert not _latest(web_node, indicator).revoked
    done = client.post(
        f"/objects/{indicator}/revoke", data={"reason": "false positive", "confirm": "on", "csrf_token": token}
    )
    assert done.status_code == 200
    assert "Revoked." in done.text
    assert _latest(web_node, indicator).revoked
    assert _forms(done.text) == set()  # a revoked object gets nothing more
    with web_node.db.read() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "revoke_reason", AuditEntry.object_id == indicator)
        )
    assert entry is not None
    assert "false positive" in entry.detail


def test_a_foreign_object_is_narrowed_and_released_but_not_edited_or_revoked(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    object_id = "attack-pattern--6a7b8c9d-0000-4000-8000-000000000001"
    published = {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": object_id,
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z",
        "name": "Spearphishing",
        "created_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
    }
    bundle = {"type": "bundle", "id": "bundle--6a7b8c9d-0000-4000-8000-000000000009", "objects": [published]}
    with web_node.db.write() as session:
        service.import_stix(
            session, web_node, actor=people["analyst"].actor, document=bundle, where="x.json", tlp="green"
        )
    assert _latest(web_node, object_id).is_foreign
    token = log_in(client, people["officer"])
    page = client.get(f"/objects/{object_id}").text
    assert _forms(page) == {"release", "narrow"}
    assert "not edit or revoke it" in page
    refused = client.post(f"/objects/{object_id}/revoke", data={"reason": "x", "confirm": "on", "csrf_token": token})
    assert refused.status_code == 409  # the store's refusal, as a page
    assert "only its producer may revoke it" in refused.text
    assert not _latest(web_node, object_id).revoked
    done = client.post(f"/objects/{object_id}/release", data={"to": "MYS", "csrf_token": token})
    assert done.status_code == 200
    assert _latest(web_node, object_id).releasable == ("MYS",)


def test_a_hidden_object_answers_the_same_404_page_as_an_unknown_id(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    hidden = _create(web_node, people["analyst"], _indicator("strict one"), tlp="amber+strict")
    token = log_in(client, people["viewer"])  # CERT-In: not the originating agency
    unknown, seen = client.get(f"/objects/{MISSING}"), client.get(f"/objects/{hidden}")
    assert unknown.status_code == seen.status_code == 404
    assert seen.text.replace(hidden, MISSING) == unknown.text
    forged = client.post(f"/objects/{hidden}/revoke", data={"reason": "x", "confirm": "on", "csrf_token": token})
    assert forged.status_code == 404
    assert "<h1>Not found</h1>" in forged.text


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/objects/not-an-id", 404, "no object not-an-id"),
        ("/objects/indicator--1/versions/extra", 404, "there is no page at /objects/indicator--1/versions/extra"),
        ("/objects?cursor=abc", 422, "query.cursor: Input should be a valid integer"),
        (f"/objects/{MISSING}/revoke", 405, "does not take a GET"),
    ],
)
def test_a_wrong_address_on_a_page_is_a_page_in_the_shell_never_json(
    client: TestClient, people: dict[str, Person], path: str, status: int, said: str
) -> None:
    log_in(client, people["analyst"])
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert said in answer.text
    assert 'action="/logout"' in answer.text


def test_an_unknown_api_address_is_still_problem_json(client: TestClient) -> None:
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_narrowing_on_the_object_page_withdraws_it_at_the_partner(tmp_path: Path, database_url: str) -> None:
    with paired_nodes(tmp_path, database_url) as nodes:
        analyst = nodes.ind_people["analyst"]
        handling = HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",))
        with nodes.ind.db.write() as session:
            object_id = nodes.ind.store.create(
                session,
                obj=_indicator("shared, then narrowed"),
                handling=handling,
                actor=nodes.ind_people["officer"].actor,
            ).id
        nodes.pull(nodes.mys)
        assert nodes.mys.store.decide_view(_latest(nodes.mys, object_id), nodes.mys_people["analyst"].actor).allowed
        with TestClient(create_app(nodes.ind.settings, node=nodes.ind)) as client:
            token = log_in(client, analyst)
            done = client.post(
                f"/objects/{object_id}/narrow",
                data={"tlp": "green", "orcon": "on", "reason": "source withdrew consent", "csrf_token": token},
            )
        assert done.status_code == 200, done.text
        assert "withdrawn from MYS" in done.text
        nodes.pull(nodes.mys)
        with nodes.mys.db.read() as session:
            rows = list(session.scalars(select(StixObject).where(StixObject.id == object_id)))
        assert rows
        assert all(r.withdrawn for r in rows)
        assert not nodes.mys.store.decide_view(rows[-1], nodes.mys_people["analyst"].actor).allowed
