"""A person in Debian's Chromium logs in and sees an object (Playwright, real server on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.bootstrap import open_node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Person]]:
    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    person = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    with LiveServer(node) as server:
        yield server, person
    node.close()


def test_a_person_logs_in_and_sees_an_object_with_its_marking(live: tuple[LiveServer, Person], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/objects?pillar=intel")
        expect(page).to_have_url(f"{server.url}/login?next=/objects")
        sign_in(page, person.username, person.password)
        page.goto(f"{server.url}/objects?pillar=intel")
        page.click("text=Phishing domain impersonating a port authority")
        expect(page.locator("h1")).to_contain_text("Phishing domain impersonating a port authority")
        expect(page.locator("h1 .tlp")).to_have_text("TLP:GREEN")
        expect(page.locator("dl").first).to_contain_text("MYS")
        page.screenshot(path=str(tmp_path / "object.png"), full_page=True)
    assert (tmp_path / "object.png").stat().st_size > 10_000
