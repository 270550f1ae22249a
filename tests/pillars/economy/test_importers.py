"""Importers keep what they can parse and report every other line; re-importing adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.pillars.economy import importers
from mitra.pillars.economy.importers import import_baci, import_comtrade, import_fiscal, import_usgs
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.store import EconomyStore
from tests.conftest import shared_file


def _report(reports: list[ImportReport], source: str) -> ImportReport:
    return next(r for r in reports if r.source.endswith(f" {source}"))


def test_usgs_withheld_lithium_is_kept_and_reported(shipped_import: tuple[Path, list[ImportReport]]) -> None:
    report = _report(shipped_import[1], "mcs2024-lithi_world.csv")
    assert report.skipped == 0
    assert report.positions("notes", "Prod_t_est_2023 withheld (W)") == [2]
    assert report.accounted == report.read


def test_usgs_footnote_markers_are_removed_from_country_names(service: EconomyService) -> None:
    rows = service.store.query("select country from production where source_file = 'mcs2024-nicke_world.csv'")
    assert ("New Caledonia",) in rows
    assert not any(name[-1].isdigit() for (name,) in rows)


def test_usgs_thousands_separators_are_read_as_numbers(service: EconomyService) -> None:
    rows = service.store.query(
        "select quantity from production where dataset = 'USGS MCS2024' and material = 'graphite'"
        " and country = 'Brazil' and year = 2022"
    )
    assert rows == [(72000.0,)]


def test_baci_rows_with_missing_quantity_are_kept_and_listed(shipped_import: tuple[Path, list[ImportReport]]) -> None:
    report = _report(shipped_import[1], "baci_hs92_crm_flows_ind_mys_2012_2024.csv")
    assert report.skipped == 0
    assert report.added == report.read
    assert report.reasons("notes")["quantity missing (empty)"] > 0


def test_reimporting_a_file_adds_nothing(service: EconomyService) -> None:
    path = shared_file("economy/baci_hs92_crm_flows_ind_mys_2012_2024.csv")
    before = service.store.count("trade_flows")
    report, _ = import_baci(service.store, path)
    assert report.added == 0
    assert report.unchanged == report.read
    assert report.tallies["table rows added"] == 0
    assert service.store.count("trade_flows") == before


def test_unknown_country_codes_are_reported_by_line(service: EconomyService, tmp_path: Path) -> None:
    bad = tmp_path / "flows.csv"
    bad.write_text(
        "\ufefft,i,j,k,v,q,,\n2030,156,699,284690,12.5,NA,,\n2030,999,699,284690,1,1,,\n\n", encoding="utf-8"
    )
    report, _ = import_baci(service.store, bad)
    assert report.added == 1
    assert report.reasons("rejected") == {"unknown BACI country code 999": 1}
    assert report.positions("rejected", "unknown BACI country code 999") == [3]
    assert report.positions("notes", "quantity missing (NA)") == [2]
    assert report.positions("notes", "blank line") == [4]
    assert (report.read, report.accounted) == (2, 2)


def test_a_malformed_number_skips_the_line_with_the_reason(service: EconomyService, tmp_path: Path) -> None:
    bad = tmp_path / "flows.csv"
    bad.write_text("t,i,j,k,v,q\n2023,156,699,284690,twelve,1\n", encoding="utf-8")
    report, _ = import_baci(service.store, bad)
    assert report.reasons("rejected") == {"'twelve' is not a number, NA, W or a bound": 1}
    assert report.positions("rejected", "'twelve' is not a number, NA, W or a bound") == [2]


def test_a_file_without_the_baci_columns_is_refused_naming_them(service: EconomyService, tmp_path: Path) -> None:
    bad = tmp_path / "flows.csv"
    bad.write_text("year,exporter\n2023,156\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing column"):
        import_baci(service.store, bad)


def test_comtrade_sample_imports_both_flows_per_reporter(service: EconomyService) -> None:
    report = import_comtrade(service.store, shared_file("economy/comtrade_api_sample_hs2846_usa_chn.csv"))
    assert report.read == 80
    assert report.added == 80
    rows = service.store.query(
        "select exporter, importer, value_usd from trade_flows where dataset = 'UN Comtrade H5'"
        " and reported_by = 'USA' and year = 2020 and hs = '2846' and exporter = 'CHN'"
    )
    assert rows == [("CHN", "USA", 45649703.0)]


def test_malaysian_side_totals_appear_beside_indias(service: EconomyService, tmp_path: Path) -> None:
    path = tmp_path / "mys.csv"
    path.write_text(
        "freqCode,refYear,reporterCode,flowCode,partnerCode,cmdCode,primaryValue,netWgt\n"
        'A,2023,458,X,699,TOTAL,"11,000,000,000",0\nA,2023,458,M,699,TOTAL,6500000000,0\n',
        encoding="utf-8",
    )
    import_comtrade(service.store, path)
    table = service.calendar_trade()
    assert table.rows == [(2023, 11000.0, 6500.0, 17500.0, 4500.0)]
    assert "calendar year" in table.sources[0]


def test_usgs_file_name_must_say_the_commodity(service: EconomyService, tmp_path: Path) -> None:
    path = tmp_path / "production.csv"
    path.write_text("Source,Country,Type\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="mcsYYYY"):
        import_usgs(service.store, path)


def test_fiscal_years_are_labelled_as_india_labels_them(tmp_path: Path) -> None:
    store = EconomyStore(tmp_path / "e.duckdb")
    report = import_fiscal(store, shared_file("economy/india_malaysia_trade_dgcis_fy_usd_mn.csv"))
    assert report.added == 13
    periods = [p for (p,) in store.query("select period from fiscal_trade order by start_year")]
    assert periods[0] == "2009-10"
    assert store.query("select status from fiscal_trade where period = '2025-26'") == [("provisional",)]


def test_missing_governance_estimates_are_not_read_as_perfect(shipped_import: tuple[Path, list[ImportReport]]) -> None:
    report = _report(shipped_import[1], "wgi_political_stability_pv.csv")
    store = EconomyStore(shipped_import[0])
    assert "estimate missing; the file's normalized 0.0 is not used" in report.notes
    assert report.accounted == report.read
    assert store.query("select normalized from governance where iso3 = 'ABW' and year = 1996") == [(None,)]


def test_every_kind_has_a_publisher() -> None:
    assert set(importers.KINDS) >= {"baci", "comtrade", "usgs", "wmd", "wgi", "fiscal"}


def test_every_line_of_every_shipped_file_is_accounted_for(shipped_import: tuple[Path, list[ImportReport]]) -> None:
    for report in shipped_import[1]:
        assert report.accounted == report.read, report.lines()
