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
