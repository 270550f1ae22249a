"""In Chromium at 1,366 by 900: the long registers read as pages that fit the screen, not one endless sheet.

The arms-transfer register (SIPRI, 1,176 deals) and the regional incident statistics (NGA ASAM, 8,642 incidents,
45 years) were a 100,895 px page and a 2,802 px wide one; each must fit the width, and one page of transfers be of
a height a person can scroll.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.sipri import parse_sipri
from mitra.pillars.economy.importers import import_shipped
from mitra.pillars.economy.store import EconomyStore
from mitra.pillars.maritime.asam import import_asam
from mitra.policy import Role
from tests.conftest import Person, add_person, shared_file
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium
WIDTH, HEIGHT = 1366, 900


@pytest.fixture
def live(sqlite_node: Node) -> Iterator[tuple[LiveServer, Person]]:
    officer = add_person(sqlite_node, "rao", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS").actor
    sipri = shared_file("economy/sipri_trade_register_india_malaysia.csv")
    with sqlite_node.db.write() as session:
        service.import_sipri(session, store=sqlite_node.store, parsed=parse_sipri(sipri.read_text()), actor=officer)
    asam = shared_file("maritime/piracy/nga_asam_2022-06-21.csv")
    import_asam(sqlite_node, path=asam, actor=officer, handling=sqlite_node.public_handling())
    import_shipped(EconomyStore.for_data_dir(sqlite_node.settings.data_dir), sipri.parent)
    viewer = add_person(sqlite_node, "vik", {Role.VIEWER}, agency="CERT-In")
    with LiveServer(sqlite_node) as server:
        yield server, viewer


def _size(page: object) -> tuple[int, int]:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    width = page.evaluate("document.documentElement.scrollWidth")
    height = page.evaluate("document.documentElement.scrollHeight")
    return int(width), int(height)


def test_transfers_statistics_and_trade_pages_fit_a_laptop_screen(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, viewer = live
    with chromium() as browser:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(f"{server.url}/login")
        sign_in(page, viewer.username, viewer.password)

        page.goto(f"{server.url}/defence/transfers")
        expect(page.locator("nav.pager").first).to_contain_text("1–50 of 1,176 transfers")
        expect(page.locator("table#transfers tbody tr")).to_have_count(50)
        width, height = _size(page)
        assert width <= WIDTH
        assert height < 4000  # one page of transfers, not the register
        page.screenshot(path=str(tmp_path / "transfers.png"), full_page=True)
        page.locator("nav.pager").first.get_by_role("link", name="2", exact=True).click()
        expect(page.locator("nav.pager").first).to_contain_text("51–100 of 1,176 transfers")

        page.goto(f"{server.url}/maritime/incidents/stats")
        expect(page.locator("#stats-subregion")).to_contain_text("Subregion 71")
        expect(page.locator("#stats-subregion")).to_contain_text("NGA region 7: Australia, Indonesia and New Zealand")
        expect(page.locator("#per-year-chart svg")).to_be_visible()
        width, height = _size(page)
        assert width <= WIDTH  # the years scroll inside their table's box
        assert height < 4000
        page.screenshot(path=str(tmp_path / "statistics.png"), full_page=True)

        for path in ("/economy/", "/economy/minerals", "/economy/minerals/rare-earths"):
            page.goto(server.url + path)
            width, height = _size(page)
            assert width <= WIDTH, path
            assert height < 5000, path
        expect(page.locator("#whatif .answer")).to_contain_text("would lose")
        assert page.locator("#whatif").bounding_box()["y"] < HEIGHT  # the answer is on the first screen
    assert (tmp_path / "transfers.png").stat().st_size > 10_000
