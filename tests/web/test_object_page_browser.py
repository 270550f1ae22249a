"""The object page acts, in Debian's Chromium: a release officer releases from All objects, then narrows it back."""

from __future__ import annotations

from pathlib import Path

from mitra.core.stix import HandlingInput
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer
from tests.support.pair import paired_nodes

pytestmark = needs_chromium


def test_a_release_officer_releases_and_narrows_on_the_object_page(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with paired_nodes(tmp_path) as pair:
        officer = pair.ind_people["officer"]
        with pair.ind.db.write() as session:
            pair.ind.store.create(
                session,
                obj={"type": "threat-actor", "name": "Harbour crew"},
                handling=HandlingInput("green", "IND", "NSCS"),
                actor=officer.actor,
            )
        with LiveServer(pair.ind) as india, chromium() as browser:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{india.url}/login")
            sign_in(page, officer.username, officer.password)
            page.click("nav >> text=All objects")
            page.click("table.objects >> text=Harbour crew")
            expect(page.locator("h1")).to_contain_text("Harbour crew")
            page.click("#release button[type=submit]")
            expect(page.locator("#done")).to_contain_text("Released to MYS")
            expect(page.locator("dl").first).to_contain_text("MYS")
            pair.pull(pair.mys)
            page.uncheck("#narrow input[name=releasable_to][value=MYS]")
            page.fill("#narrow input[name=reason]", "shared too early")
            page.click("#narrow button[type=submit]")
            expect(page.locator("#done")).to_contain_text("withdrawn from MYS")
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(tmp_path / "object.png"), full_page=True)
            page.goto(f"{india.url}/objects/not-an-id/nothing-here")
            expect(page.locator("h1")).to_have_text("Not found")
            expect(page.locator("nav")).to_contain_text("All objects")  # the shell, not raw JSON
