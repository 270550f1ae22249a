"""The trade dashboard in Debian's Chromium: India's fiscal-year figures with their source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.foundation.reports import ImportReport
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.pillars.economy.conftest import node_with_shipped_store
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium


@pytest.fixture
def live(shipped_import: tuple[Path, list[ImportReport]], tmp_path: Path) -> Iterator[tuple[LiveServer, Person]]:
    node = node_with_shipped_store(tmp_path, shipped_import[0])
    person = add_person(node, "vik", {Role.VIEWER}, agency="CERT-In")
    with LiveServer(node) as server:
        yield server, person
    node.close()


def test_the_dashboard_shows_fiscal_year_totals_with_their_source(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/economy/")
        sign_in(page, person.username, person.password)
        page.goto(f"{server.url}/economy/")
        latest = page.locator('.fiscal-figure[data-period="2025-26"]')
        expect(latest).to_contain_text("Latest fiscal year held: 2025-26 (provisional)")
        expect(latest).to_contain_text("USD 21,002.57 million")
        expect(latest.locator(".source")).to_contain_text("india_malaysia_trade_dgcis_fy_usd_mn.csv")
        expect(latest.locator(".source")).to_contain_text("fiscal year")
        expect(page.locator('.fiscal-figure[data-period="2024-25"]')).to_contain_text("USD 19,855.53 million")
        expect(page.locator("#reference-figures")).to_contain_text("2022-23 USD 19,891.16 million")
        expect(page.locator("#malaysia-side")).to_contain_text("calendar years")
        expect(page.locator("svg.chart").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "economy.png"), full_page=True)
    assert (tmp_path / "economy.png").stat().st_size > 10_000
