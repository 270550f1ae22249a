"""The Dialogue dashboard in Debian's Chromium (Playwright, real server on loopback)."""

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


def test_the_dashboard_filters_by_status_and_opens_a_commitment(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/dialogue/")
        sign_in(page, person.username, person.password)
        expect(page).to_have_url(f"{server.url}/dialogue/")
        expect(page.locator("#overdue")).to_contain_text("overdue")
        rows = page.locator("#commitments tbody tr")
        expect(rows).to_have_count(7)
        page.select_option("#status-filter", "overdue")
        visible = page.locator("#commitments tbody tr:visible")
        expect(visible).to_have_count(1)
        expect(visible.first).to_contain_text("annually")
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        visible.first.locator("a").click()
        expect(page.locator("h1")).to_contain_text("agreed to hold the Security Dialogue annually")
        expect(page.locator("#status")).to_have_text("overdue")
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
