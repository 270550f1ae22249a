"""A second ``make demo`` says the shipped economy files are held already, not "0 records"."""

from __future__ import annotations

from pathlib import Path

from mitra.foundation.reports import ImportReport
from mitra.pillars.economy.demo import shipped_outcome
from mitra.pillars.economy.importers import import_shipped
from mitra.pillars.economy.service import EconomyService
from tests.conftest import shared_file


def test_a_first_load_counts_what_it_added(shipped_import: tuple[Path, list[ImportReport]]) -> None:
    said = shipped_outcome(shipped_import[1])
    assert said.endswith(f"from {len(shipped_import[1])} files into the analytics store")
    assert not said.startswith("0 ")


def test_a_second_load_says_the_files_are_held_already(service: EconomyService) -> None:
    folder = shared_file("economy/baci_hs92_crm_flows_ind_mys_2012_2024.csv").parent
    again = import_shipped(service.store, folder)
    said = shipped_outcome(again)
    assert said.startswith(f"{len(again)} files held already (")
    assert said.endswith("records), nothing new")
    assert "0 records" not in said
