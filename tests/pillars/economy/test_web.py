"""REST and pages of the economy pillar, including who may not use them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person, shared_file
from tests.support.web import bearer, log_in

FISCAL = "/api/v1/economy/tables/fiscal-trade"


def test_tables_need_a_token(client: TestClient) -> None:
    response = client.get(FISCAL)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_partner_accounts_cannot_read_trade_data(client: TestClient, people: dict[str, Person]) -> None:
    assert client.get(FISCAL, headers=bearer(people["partner"])).status_code == 403


def test_a_viewer_reads_the_fiscal_table_with_its_source(client: TestClient, people: dict[str, Person]) -> None:
    body = client.get(FISCAL, headers=bearer(people["viewer"])).json()
    totals = {row["fiscal_year"]: row["total_usd_mn"] for row in body["rows"]}
    assert totals["2016-17"] == 14158.47
    assert totals["2022-23"] == 19891.16
    assert "india_malaysia_trade_dgcis_fy_usd_mn.csv" in body["sources"][0]


def test_a_viewer_cannot_import(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        "/api/v1/economy/imports/fiscal?filename=fy.csv",
        content=b"x",
        headers=bearer(people["viewer"]) | {"content-type": "text/csv"},
    )
    assert response.status_code == 403


def test_a_partner_account_cannot_import(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        "/api/v1/economy/imports/fiscal?filename=fy.csv", content=b"x", headers=bearer(people["partner"])
    )
    assert response.status_code == 403


def test_an_analyst_imports_a_usgs_file_and_gets_the_report(client: TestClient, people: dict[str, Person]) -> None:
    body = shared_file("economy/usgs_mcs/mcs2023-lithi_world.csv").read_bytes()
    response = client.post(
        "/api/v1/economy/imports/usgs?filename=mcs2023-lithi_world.csv",
        content=body,
        headers=bearer(people["analyst"]) | {"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    (report,) = response.json()["reports"]
    assert report["added"] == 0  # already held from the shipped import
    assert {"reason": "Prod_t_2021 withheld (W)", "count": 1, "positions": [2]} in report["notes"]


def test_hhi_endpoint_states_basis_and_stage(client: TestClient, people: dict[str, Person]) -> None:
    body = client.get(
        "/api/v1/economy/materials/rare-earths/hhi?source=imports", headers=bearer(people["viewer"])
    ).json()
    assert [(round(r["hhi"]), r["basis"]) for r in body["results"]] == [(3797, "value"), (8169, "quantity")]


def test_unknown_material_is_not_found(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get("/api/v1/economy/materials/unobtainium/hhi", headers=bearer(people["viewer"]))
    assert response.status_code == 404


def test_whatif_reports_each_partners_shortfall(client: TestClient, people: dict[str, Person]) -> None:
    body = client.get(
        "/api/v1/economy/materials/rare-earths/whatif?supplier=CHN&year=2023", headers=bearer(people["viewer"])
    ).json()
    shortfalls = {row["importer"]: row["shortfall_value_pct"] for row in body["rows"]}
    assert set(shortfalls) == {"India", "Malaysia"}
    assert shortfalls["India"] == pytest.approx(57.4, abs=0.1)


def test_whatif_refuses_a_supplier_the_data_does_not_know(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get(
        "/api/v1/economy/materials/rare-earths/whatif?supplier=XXX&year=2023", headers=bearer(people["viewer"])
    )
    assert response.status_code == 422
    assert "supplier: 'XXX' is not a country code" in response.json()["detail"]


def test_table_csv_via_the_api_carries_sources(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get(f"{FISCAL}?format=csv", headers=bearer(people["viewer"]))
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0].startswith("fiscal_year,")
    assert "# source: india_malaysia_trade_dgcis_fy_usd_mn.csv" in response.text


def test_pages_send_strangers_to_login(client: TestClient) -> None:
    response = client.get("/economy/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_dashboard_shows_fiscal_totals_with_their_source(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/economy/")
    assert page.status_code == 200
    assert "USD 14,158.47 million" in page.text
    assert "USD 19,891.16 million" in page.text
    assert "Source: india_malaysia_trade_dgcis_fy_usd_mn.csv" in page.text
    assert "<svg" in page.text
    assert "<script" not in page.text.split("</header>")[1]


def test_every_table_on_the_pages_names_its_source(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    for url in ("/economy/", "/economy/minerals", "/economy/minerals/rare-earths", "/economy/minerals/tin"):
        sections = client.get(url).text.split('<section class="card economy-table"')[1:]
        assert sections, url
        for section in sections:
            body = section.split("</section>")[0]
            assert '<p class="source">Source: ' in body, (url, body[:200])
            if 'id="malaysia-side"' not in body:
                assert "no data imported" not in body, (url, body[:200])


def test_every_concentration_and_chart_on_a_material_page_names_its_source(
    client: TestClient, people: dict[str, Person]
) -> None:
    log_in(client, people["viewer"])
    text = client.get("/economy/minerals/rare-earths?year=2023").text
    starts = [m.start() for m in re.finditer('<p class="hhi"', text)]
    assert len(starts) >= 4  # USGS and WMD production, and each partner's imports by value and quantity
    for start in starts:  # between a figure and the table it summarises, a line names the source
        table = text.find('<section class="card economy-table"', start)
        assert '<p class="source">Source: ' in text[start:table], text[start : start + 200]
    assert "baci_hs92_crm_flows_ind_mys_2012_2024.csv" in text


def test_material_page_shows_both_sources_for_malaysia(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    text = client.get("/economy/minerals/rare-earths?year=2023").text
    assert "HHI 4,909 by quantity, mine production, USGS MCS2024 2023" in text
    assert "mcs2024-raree_world.csv" in text
    assert "wmd_production_selected_2018_2024.csv" in text
    assert '<td class="num">80</td>' in text  # Malaysia's tonnes, USGS
    assert '<td class="num">3,340</td>' in text  # and World Mining Data


def test_every_table_exports_as_csv(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    names = [t["name"] for t in client.get("/api/v1/economy/tables", headers=bearer(people["viewer"])).json()]
    for name in names:
        response = client.get(f"/economy/tables/{name}.csv?material=tin&year=2023")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("text/csv"), name
        assert "# source: " in response.text or name == "calendar-trade", name
