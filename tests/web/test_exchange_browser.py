"""The exchange page in Debian's Chromium on both nodes of a pair after a sync: one released what the other received."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer
from tests.support.pair import paired_nodes

pytestmark = needs_chromium


def _count(page: Any, text: str) -> int:
    found = re.search(re.escape(text) + r": ([\d,]+)", page.locator("ul.counts").first.inner_text())
    assert found is not None, text
    return int(found.group(1).replace(",", ""))


def test_both_nodes_show_matching_released_and_received_counts_after_a_sync(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with paired_nodes(tmp_path) as pair:
        for node in (pair.ind, pair.mys):
            node.seed()
        pair.pull(pair.mys)
        pair.pull(pair.ind)
        with LiveServer(pair.ind) as india, LiveServer(pair.mys) as malaysia, chromium() as browser:
            seen = {}
            for server, person, partner in (
                (india, pair.ind_people["officer"], "MYS"),
                (malaysia, pair.mys_people["officer"], "IND"),
            ):
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                page.goto(f"{server.url}/exchange/{partner}")
                sign_in(page, person.username, person.password)
                page.goto(f"{server.url}/")
                page.click("nav >> text=Exchange")
                expect(page.locator("h1")).to_have_text("Exchange with partners")
                page.click(f"#partner-{partner} h2 a")
                expect(page.locator("h1")).to_contain_text("Exchange with")
                seen[server.node.nation] = (
                    _count(page, f"Released to {partner}"),
                    _count(page, f"Received from {partner}"),
                )
                assert page.evaluate("document.documentElement.scrollWidth") <= 1366
                page.click("ul.counts >> text=Withheld")
                expect(page.locator("table.reasons")).to_contain_text(f"not releasable to {partner}")
                page.screenshot(path=str(tmp_path / f"{server.node.nation}.png"), full_page=True)
            (ind_released, ind_received), (mys_released, mys_received) = seen["IND"], seen["MYS"]
            assert ind_released > 0
            assert mys_released > 0
            assert ind_released == mys_received
            assert mys_released == ind_received
