"""Country names read as published: the BACI table's "TÃ¼rkiye" (UTF-8 once read as Windows-1252) is Türkiye."""

from __future__ import annotations

from pathlib import Path

import pytest

from mitra.pillars.economy.cells import repair_mis_decoded
from mitra.pillars.economy.importers import import_countries
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.store import EconomyStore

HEADER = "country_code,country_name,country_iso2,country_iso3\n"


@pytest.mark.parametrize(
    ("garbled", "meant"),
    [("TÃ¼rkiye", "Türkiye"), ("CÃ´te d'Ivoire", "Côte d'Ivoire"), ("CuraÃ§ao", "Curaçao"), ("Ã…land", "Åland")],
)
def test_utf8_read_as_windows_1252_is_read_back_as_meant(garbled: str, meant: str) -> None:
    assert repair_mis_decoded(garbled) == meant


@pytest.mark.parametrize("text", ["Türkiye", "Côte d'Ivoire", "São Tomé", "भारत", "Malaysia", "Ã la carte?"])
def test_text_that_was_not_garbled_is_left_as_it_is(text: str) -> None:
    assert repair_mis_decoded(text) == text


def test_the_shipped_country_table_gives_turkiye_its_name(service: EconomyService) -> None:
    names = service.country_names()
    assert names["TUR"] == "Türkiye"
    assert names["CIV"] == "Côte d'Ivoire"
    assert not any("Ã" in name for name in names.values())


def test_the_import_says_which_names_it_read_back(tmp_path: Path) -> None:
    path = tmp_path / "baci_country_codes_test.csv"
    path.write_text(HEADER + "792,TÃ¼rkiye,TR,TUR\n458,Malaysia,MY,MYS\n", encoding="utf-8")
    report = import_countries(EconomyStore(tmp_path / "e.duckdb"), path)
    assert report.added == 2
    assert report.reasons("notes") == {
        "country_name: 'TÃ¼rkiye' was UTF-8 read as Windows-1252 upstream; read as 'Türkiye'": 1
    }


def test_a_name_held_garbled_from_an_earlier_import_is_corrected(tmp_path: Path) -> None:
    store = EconomyStore(tmp_path / "e.duckdb")
    store.insert_new("countries", [(792, "TUR", "TÃ¼rkiye", "old.csv")])  # as the importer once stored it
    path = tmp_path / "baci_country_codes_test.csv"
    path.write_text(HEADER + "792,TÃ¼rkiye,TR,TUR\n", encoding="utf-8")
    report = import_countries(store, path)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    assert store.query("select name from countries where code = 792") == [("Türkiye",)]
