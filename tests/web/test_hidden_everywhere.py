"""Hidden means hidden on every route: each API route and page that takes an object's id answers as if an object
the caller may not see did not exist (404, the same words as for an id nobody holds), and no count includes it.

The routes are not listed by hand: every path of the OpenAPI document with an id parameter is tried, and every
page route with one, so a route added later is tried too.
"""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.support.web import bearer, log_in

# Path parameters that name an object: the walk puts the hidden object's id (and a missing one) there.
_ID_PARAMETERS = {"object_id", "commitment_id", "report_id", "opportunity_id", "exercise_id", "incident_id"}
_PAGE_ROUTE = re.compile(r'@(?:router|pages)\.(get|post)\("([^"]*\{(?:' + "|".join(_ID_PARAMETERS) + r')\}[^"]*)"')
_LEAKS = ("TLP", "NSCS", "AMBER", "RED", "named recipients", "hidden indicator", "45.83.65.9")


def _hidden(client: TestClient, analyst: Person, tlp: str) -> str:
    extra = {"red_recipients": ["IND:NSCS"]} if tlp == "red" else {}
    response = client.post(
        "/api/v1/objects",
        headers=bearer(analyst),
        json={
            "object": {
                "type": "indicator",
                "name": "hidden indicator",
                "pattern_type": "stix",
                "pattern": "[ipv4-addr:value = '45.83.65.9']",
                "valid_from": "2025-01-07T00:00:00Z",
            },
            "handling": {"tlp": tlp, **extra},
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _api_routes(client: TestClient) -> list[tuple[str, str, str]]:
    """(method, path template, id parameter) for every API operation that takes an object's id."""
    found = []
    for path, operations in client.get("/api/openapi.json").json()["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for parameter in names & _ID_PARAMETERS:
            found.extend((method.upper(), path, parameter) for method in operations if method in ("get", "post"))
    return found


def _page_routes() -> list[tuple[str, str, str]]:
    """Every page route of every pillar (and the shared pages) that takes an object's id, from the sources."""
    from pathlib import Path

    import mitra

    root = Path(mitra.__file__).parent
    prefixes = {"web/pages.py": ""} | {
        f"pillars/{p.parent.name}/pages.py": f"/{p.parent.name}" for p in (root / "pillars").glob("*/pages.py")
    }
    found = []
    for relative, prefix in prefixes.items():
        source = (root / relative).read_text(encoding="utf-8")
        for method, path in _PAGE_ROUTE.findall(source):
            parameter = next(n for n in _ID_PARAMETERS if "{" + n + "}" in path)
            found.append((method.upper(), prefix + path, parameter))
    return found


def _ask(
    client: TestClient, method: str, path: str, headers: dict[str, str], data: dict[str, str] | None
) -> tuple[int, str]:
    if method == "GET":
        response = client.get(path, headers=headers)
    elif data is not None:
        response = client.post(path, headers=headers, data=data)
    else:
        response = client.post(path, headers=headers, json={})
    return response.status_code, response.text


@pytest.mark.parametrize("tlp", ["red", "amber+strict"])
def test_every_route_that_takes_an_id_answers_for_a_hidden_object_as_for_a_missing_one(
    client: TestClient, people: dict[str, Person], web_node: Node, tlp: str
) -> None:
    hidden = _hidden(client, people["analyst"], tlp)
    missing = f"indicator--{uuid.uuid4()}"
    outsider = add_person(web_node, "kiran", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="CERT-In")  # not NSCS
    api, pages = _api_routes(client), _page_routes()
    assert len(api) >= 10, api  # the walk found the routes it is about
    assert len(pages) >= 5, pages
    tried = 0
    for method, template, parameter in api:
        answers = []
        for object_id in (hidden, missing):
            path = template.replace("{" + parameter + "}", object_id)
            answers.append(_ask(client, method, path, bearer(outsider), None))
        (status, text), (missing_status, missing_text) = answers
        if status == 403 and "needs one of the roles" in text:
            continue  # refused before the object is looked at: says nothing of it
        assert status in (404, 422), (method, template, status, text)
        # The same answer, word for word, as for an id nobody holds (the id itself aside).
        assert (status, text.replace(hidden, "ID")) == (missing_status, missing_text.replace(missing, "ID"))
        assert not any(word in text for word in _LEAKS), (method, template, text)
        tried += 1
    with TestClient(create_app(web_node.settings, node=web_node)) as browser:
        csrf = log_in(browser, outsider)
        for method, template, parameter in pages:
            answers = []
            for object_id in (hidden, missing):
                path = template.replace("{" + parameter + "}", object_id)
                answers.append(_ask(browser, method, path, {}, {"csrf_token": csrf}))
            (status, text), (missing_status, missing_text) = answers
            assert status in (404, 422), (method, template, status)
            assert (status, text.replace(hidden, "ID")) == (missing_status, missing_text.replace(missing, "ID"))
            assert not any(word in text for word in _LEAKS[-2:]), (method, template)
            tried += 1
    assert tried >= len(pages) + 5
    counts = client.get("/api/v1/node", headers=bearer(outsider)).json()["objects"]
    assert counts == client.get("/api/v1/node", headers=bearer(people["viewer"])).json()["objects"]
