"""Every page of a seeded node, as an admin and as a viewer, in Chromium: axe-core finds no serious or
critical violation, the page fits a 1,366 px screen, and it answers as a page (never a raw error).

The pages are found from the app's own routes (every GET page without a path parameter), plus one object
page, one commitment page and one vessel-free maritime list per pillar with ids, so a new page is checked
without anyone adding it here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.node import Node
from mitra.pillars.dialogue.types import COMMITMENT
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.support.browser import VIEWPORT, axe_violations, chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = [*needs_chromium, pytest.mark.slow]

SKIP = {
    "/maritime/live",
    "/logout",
    "/healthz",
    "/readyz",
    "/metrics",
    "/login",
    "/dialogue/report.pdf",
    "/dialogue/ocds.json",
}


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every route with its full path, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def page_paths(node: Node) -> list[str]:
    """Every HTML page route without a path parameter, as the app declares them."""
    app = create_app(node.settings, node=node)
    paths = []
    for path, route in _routes(list(app.routes)):
        if isinstance(route, APIRoute) and route.include_in_schema:
            continue  # the REST API and TAXII: not pages
        if "GET" not in (route.methods or set()) or "{" in path or path in SKIP:
            continue
        if path.startswith(("/api/", "/taxii2", "/static", "/docs", "/openapi", "/redoc", "/language")):
            continue
        if path.endswith((".json", ".csv", ".ics", ".pdf", ".geojson", ".xml")):
            continue
        paths.append(path)
    return sorted(set(paths))


@dataclass
class Site:
    node: Node
    url: str
    people: dict[str, Person]
    browser: Any


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    node = open_node(make_settings(tmp_path_factory.mktemp("every-page")))
    node.init()
    node.seed()
    people = {
        "admin": add_person(node, "root", {Role.ADMIN, Role.RELEASE_OFFICER, Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(node, "vik", {Role.VIEWER}, agency="CERT-In"),
    }
    try:
        with LiveServer(node) as server, chromium() as browser:
            yield Site(node, server.url, people, browser)
    finally:
        node.close()


def _extra_paths(node: Node) -> list[str]:
    commitment = node.seed_id(COMMITMENT, "sd1:annual")
    return [f"/objects/{commitment}", f"/dialogue/commitments/{commitment}"]


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_every_page_is_usable_by_keyboard_and_screen_reader_and_fits(site: Site, role: str) -> None:
    person = site.people[role]
    page = site.browser.new_page(viewport=VIEWPORT)
    page.goto(site.url + "/login")
    sign_in(page, person.username, person.password)
    page.wait_for_url(lambda url: "/login" not in url)
    paths = page_paths(site.node) + _extra_paths(site.node)
    assert len(paths) > 20
    problems: list[str] = []
    for path in paths:
        response = page.goto(site.url + path)
        assert response is not None
        if response.status >= 500:
            problems.append(f"{path}: answered {response.status}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            problems.append(f"{path}: answered {response.headers.get('content-type')}, not a page")
            continue
        page.wait_for_load_state("networkidle")
        problems.extend(f"{path}: {p}" for p in axe_violations(page))
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORT["width"]:
            problems.append(f"{path}: {width} px wide")
    page.close()
    assert not problems, "\n".join(problems)
