"""In Debian's Chromium: an analyst signs in, creates an indicator, finds it in the list and opens it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.core.node import Node
from tests.conftest import Person, make_settings
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium


@pytest.fixture
def live(tmp_path: Path, _template: tuple[Path, dict[str, Person]]) -> Iterator[tuple[LiveServer, Person]]:
    shutil.copytree(_template[0] / "ind", tmp_path / "ind")
    node = Node.open(make_settings(tmp_path))
    node.init()
    with LiveServer(node) as server:
        yield server, _template[1]["analyst"]
    node.close()


def test_an_analyst_creates_an_indicator_in_the_browser_and_finds_it(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/intel/new/indicator")
        sign_in(page, person.username, person.password)
        expect(page.locator("h1")).to_have_text("New indicator")
        page.fill("input[name=name]", "Beacon to exfiltration relay")
        page.fill("input[name=pattern]", "[ipv4-addr:value = '185.220.101.7']")
        page.fill("input[name=valid_from]", "2025-01-07T00:00:00Z")
        page.select_option("select[name=tlp]", "green")
        page.fill("input[name=releasable_to]", "MYS")
        page.click("form.intel-form button[type=submit]")  # an analyst may not release: the form says why
        expect(page.locator("p.error")).to_contain_text("release needs the release officer role")
        expect(page.locator("input[name=name]")).to_have_value("Beacon to exfiltration relay")
        page.fill("input[name=releasable_to]", "")
        page.click("form.intel-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Beacon to exfiltration relay")
        expect(page.locator("h1 .tlp")).to_have_text("TLP:GREEN")
        page.goto(f"{server.url}/intel/objects?type=indicator&q=exfiltration")
        page.click("text=Beacon to exfiltration relay")
        expect(page.locator(".provenance")).to_contain_text("IND / NSCS")
        expect(page.locator(".graph")).to_contain_text("Relationships")
        page.screenshot(path=str(tmp_path / "indicator.png"), full_page=True)
    assert (tmp_path / "indicator.png").stat().st_size > 10_000
