"""The demo's two web UIs in Debian's Chromium: each landing page shows what arrived and what was withheld, and why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.demo import RunningDemo, demo_running
from tests.support.browser import chromium, needs_chromium, sign_in

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    # without the live AIS replays (their feed is tested by test_demo.py): this module is about the exchange pages
    with demo_running(tmp_path_factory.mktemp("demo"), 0, capture=Path("no-capture-here.log")) as running:
        yield running


def log_in(page: object, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")  # type: ignore[attr-defined]
    sign_in(page, username, password)


def test_both_landing_pages_show_received_and_withheld_with_reasons(demo: RunningDemo, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        india = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in(india, demo.urls["IND"], "asha", demo.passwords["IND"])
        expect(india.locator("#partner-MYS")).to_contain_text("Exchange with Malaysia")
        india.goto(f"{demo.urls['IND']}/exchange/MYS?show=released")
        expect(india.locator("table.released")).to_contain_text("C2 of a campaign against Malacca shipping agents")
        india.goto(f"{demo.urls['IND']}/")
        officer = browser.new_context().new_page()  # what is withheld, and why, is for release officers
        log_in(officer, demo.urls["IND"], "rao", demo.passwords["IND"])
        # with a live feed its detected events are withheld too (TLP:AMBER, for no partner), newest first: the
        # officer narrows the list to indicators with the page's filter
        officer.goto(f"{demo.urls['IND']}/exchange/MYS?show=withheld&type=indicator")
        withheld = officer.locator("table.withheld")
        expect(withheld).to_contain_text("Source-sensitive C2 address")
        expect(withheld).to_contain_text("AMBER+STRICT never leaves the originating organisation")
        expect(withheld).to_contain_text("not releasable to MYS")
        expect(india.locator("body")).to_contain_text("Credential-phishing URL sent to ministry mailboxes")
        expect(india.locator("body")).not_to_contain_text("Lead withdrawn for source protection")
        india.screenshot(path=str(tmp_path / "india.png"), full_page=True)

        malaysia = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in(malaysia, demo.urls["MYS"], "aziz", demo.passwords["MYS"])
        expect(malaysia.locator("body")).to_contain_text("Phishing kit host targeting port community systems")
        expect(malaysia.locator("body")).to_contain_text("Handler address, for MYS NSC only")
        siti = browser.new_context().new_page()
        log_in(siti, demo.urls["MYS"], "siti", demo.passwords["MYS"])
        siti.goto(f"{demo.urls['MYS']}/exchange/IND?show=withheld&type=indicator")
        expect(siti.locator("table.withheld")).to_contain_text("Domestic surveillance target address")
        malaysia.screenshot(path=str(tmp_path / "malaysia.png"), full_page=True)

        viewer = browser.new_page()
        log_in(viewer, demo.urls["MYS"], "farah", demo.passwords["MYS"])
        expect(viewer.locator("body")).not_to_contain_text("Handler address, for MYS NSC only")
    assert (tmp_path / "india.png").stat().st_size > 20_000
    assert (tmp_path / "malaysia.png").stat().st_size > 20_000


def test_the_originator_sees_the_partners_acknowledgement(demo: RunningDemo) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page()
        log_in(page, demo.urls["IND"], "asha", demo.passwords["IND"])
        page.goto(f"{demo.urls['IND']}/objects/{demo.ids['ind-revoke']}")
        expect(page.locator("section.acks")).to_contain_text("MYS applied: revoked")
