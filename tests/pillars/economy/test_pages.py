"""What a person reads on the economy pages: the latest year held, human labels, years as years, the answer first."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from mitra.pillars.economy.models import Table
from mitra.pillars.economy.pages import headline_cards
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.tables import column_label
from tests.conftest import Person
from tests.support.web import log_in


def test_the_headline_cards_show_the_latest_years_held_and_say_which(service: EconomyService) -> None:
    cards = headline_cards(service.fiscal_trade(), service.bilateral_flows())
    assert [(c.kind, c.period) for c in cards] == [("fiscal", "2025-26"), ("fiscal", "2024-25"), ("flows", "2024")]
    assert cards[0].label == "Latest fiscal year held: 2025-26 (provisional)"
    assert cards[0].total == 21002.57
    assert cards[1].label == "Latest final fiscal year: 2024-25"
    assert cards[2].label == "Critical-raw-material trade, latest calendar year held: 2024"


def test_a_year_without_a_figure_is_not_the_latest(service: EconomyService) -> None:
    fiscal = service.fiscal_trade()
    rows = [*fiscal.rows, ("2026-27", None, None, None, None, None, "provisional")]
    flows = service.bilateral_flows()
    cards = headline_cards(
        Table(fiscal.name, fiscal.title, fiscal.columns, rows, fiscal.sources),
        Table(flows.name, flows.title, flows.columns, [*flows.rows, (2025, None, None, None, None)], flows.sources),
    )
    assert [c.period for c in cards] == ["2025-26", "2024-25", "2024"]


def test_the_dashboard_leads_with_the_latest_year(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    html = client.get("/economy/").text
    headline = html.split('id="fiscal-headline"', 1)[1].split("</section>", 1)[0]
    assert 'data-period="2025-26"' in headline
    assert "USD 21,002.57 million" in headline
    assert "(provisional)" in headline
    assert 'data-period="2016-17"' not in headline  # the article's years are reference figures, not the headline
    assert "2016-17 USD 14,158.47 million" in html
    assert "Composition by HS chapter, 2024" in html  # the latest year with flows, not a year fixed in the code


def test_columns_read_as_words_and_years_as_years(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    for url in ("/economy/", "/economy/minerals", "/economy/minerals/rare-earths"):
        html = client.get(url).text
        headers = re.findall(r'<th scope="col" title="[^"]*">([^<]*)</th>', html)
        assert headers, url
        assert not [h for h in headers if "_" in h], url
        cells = " ".join(re.findall(r"<td[^>]*>([^<]*)</td>", html))
        assert not re.search(r"\b2,0[12]\d\b", cells), url  # never "2,012"
    assert column_label("IND_to_MYS_usd_mn") == "India → Malaysia (USD million)"
    assert column_label("MYS_eu_supply_risk") == "Malaysia: EU supply risk"


def test_the_what_if_answer_comes_before_the_rest_of_the_page(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    html = client.get("/economy/minerals/rare-earths?year=2023&supplier=CHN").text
    answer = html.index('id="whatif"')
    assert answer < html.index('id="production"') < html.index('id="risk-section"')
    card = html[answer:].split("</section>", 1)[0]
    assert "<strong>India</strong> would lose <strong>57.4%</strong> of its imports by value" in card
    assert "if China stopped exporting" in card
    assert 'action="/economy/minerals/rare-earths#whatif"' in card
