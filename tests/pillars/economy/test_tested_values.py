"""The issue's tested values, computed from the shipped files."""

from __future__ import annotations

import pytest

from mitra.pillars.economy.service import WMD, EconomyService


def test_usgs_2024_world_rare_earth_mine_output_2023_has_hhi_4909(service: EconomyService) -> None:
    concentration = service.production_concentration("rare-earths", "USGS MCS2024", 2023)
    assert concentration.value == pytest.approx(4909, abs=1)
    assert concentration.basis == "quantity"
    assert concentration.stage == "mine production"
    assert "World total (rounded) (world total)" in concentration.excluded


def test_usgs_hhi_picks_the_2024_edition_for_2023(service: EconomyService) -> None:
    assert service.resolve_dataset("rare-earths", "usgs", 2023) == "USGS MCS2024"


def test_india_2023_rare_earth_imports_hhi_is_3797_by_value_and_8169_by_quantity(service: EconomyService) -> None:
    table, by_value, by_quantity = service.suppliers("rare-earths", "IND", 2023)
    assert by_value is not None
    assert by_quantity is not None
    assert round(by_value.value) == 3797
    assert round(by_quantity.value) == 8169
    assert table.rows[0][1] == "CHN"


def test_india_fiscal_year_totals_with_malaysia_come_from_the_dgcis_file(service: EconomyService) -> None:
    assert service.fiscal_total("2016-17") == pytest.approx(14158.47)
    assert service.fiscal_total("2022-23") == pytest.approx(19891.16)
    table = service.fiscal_trade()
    assert any("india_malaysia_trade_dgcis_fy_usd_mn.csv" in s and "fiscal year" in s for s in table.sources)


def test_fiscal_growth_between_the_headline_years_is_compound_annual(service: EconomyService) -> None:
    cagr = service.fiscal_cagr("2016-17", "2022-23")
    assert cagr == pytest.approx(100 * ((19891.16 / 14158.47) ** (1 / 6) - 1))


def test_malaysia_rare_earth_output_2023_shows_both_sources(service: EconomyService) -> None:
    table = service.compare_sources("rare-earths", 2023)
    row = next(r for r in table.rows if r[1] == "MYS")
    assert row[2] == 80
    assert row[4] == 3340
    assert row[-1] == "yes"
    assert {"mcs2024-raree_world.csv", "wmd_production_selected_2018_2024.csv"} <= set(table.sources)


def test_wmd_total_rows_are_not_counted_as_a_producer(service: EconomyService) -> None:
    concentration = service.production_concentration("rare-earths", WMD, 2023)
    assert any("Total" in e for e in concentration.excluded)
    assert concentration.holders == 13


def test_hs_chapter_shares_of_2023_add_up_to_the_whole(service: EconomyService) -> None:
    table = service.chapters(2023)
    share = table.columns.index("share_pct")
    assert sum(row[share] for row in table.rows) == pytest.approx(100, abs=0.5)
    assert len(table.rows) >= 5


def test_bilateral_growth_is_each_years_total_over_the_last(service: EconomyService) -> None:
    table = service.bilateral_flows()
    total, growth = table.columns.index("total_usd_mn"), table.columns.index("total_growth_pct")
    for before, after in zip(table.rows, table.rows[1:], strict=False):
        assert after[growth] == pytest.approx((after[total] / before[total] - 1) * 100, abs=0.02)


@pytest.mark.parametrize(("material", "importer"), [("tin", "IND"), ("tin", "MYS"), ("rare-earths", "MYS")])
def test_eu_supply_risk_on_the_shipped_data_is_the_2017_formula_of_its_parts(
    service: EconomyService, material: str, importer: str
) -> None:
    r = service.risk(material, importer, 2023)
    assert r.import_reliance is not None
    assert r.supply_risk is not None
    expected = (
        (r.hhi_wgi_global * r.import_reliance / 2 + r.hhi_wgi_sourcing * (1 - r.import_reliance / 2))
        * (1 - r.eol_rir)
        * r.substitution_index
    )
    assert r.supply_risk == pytest.approx(expected, rel=1e-9)
    assert 0 <= r.eol_rir < 1


def test_tin_reliance_is_whole_for_india_and_partial_for_malaysia(service: EconomyService) -> None:
    india, malaysia = service.risk("tin", "IND", 2023), service.risk("tin", "MYS", 2023)
    assert india.import_reliance == pytest.approx(1.0)  # India mines no tin (USGS): all of it is imported
    assert malaysia.import_reliance is not None
    assert 0 < malaysia.import_reliance < 1  # Malaysia mines and smelts tin, and imports concentrate besides
