"""In Chromium: Malaysia's analyst sees HAL ranked for the Su-30MKM MRO opportunity, and the calendar."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Person
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer
from tests.support.pair import Pair

pytestmark = needs_chromium


def _log_in(page: object, server: LiveServer, person: Person) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{server.url}/defence/")
    sign_in(page, person.username, person.password)


def test_matching_and_calendar_work_in_chromium(synced: Pair, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    person = synced.mys_people["analyst"]
    with LiveServer(synced.mys) as server, chromium() as browser:
        page = browser.new_page()
        _log_in(page, server, person)
        expect(page.locator("h1")).to_have_text("Defence industry")
        page.click("text=Su-30MKM maintenance, repair and overhaul support")
        first = page.locator("tr.match").first
        expect(first).to_contain_text("Hindustan Aeronautics Limited (HAL)")
        expect(first.locator("li.reason-capabilities")).to_contain_text("Maintenance, repair and overhaul")
        expect(first.locator("li.reason-platforms")).to_contain_text("Su-30MKM")
        expect(first.locator("li.reason-agreements")).to_contain_text("Kuala Lumpur office")
        page.screenshot(path=str(tmp_path / "matches.png"), full_page=True)
        page.goto(f"{server.url}/defence/exercises")
        grid = page.locator("#calendar-grid")
        for name in ("Harimau Shakti", "Samudra Laksamana", "Udara Shakti"):
            expect(grid).to_contain_text(name)
        expect(page.locator("td.uncertain")).to_have_count(1)
        expect(page.locator("tr.edition")).to_have_count(11)
    assert (tmp_path / "matches.png").stat().st_size > 10_000
