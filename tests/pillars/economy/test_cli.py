"""``mitra economy ...`` as an analyst uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mitra.cli import app
from tests.conftest import shared_file

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "node"),
        "MITRA_DATABASE_URL": "",
    }


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_import_usgs_then_hhi_names_basis_stage_and_source(env: dict[str, str]) -> None:
    code, output = invoke(env, "economy", "import-usgs", str(shared_file("economy/usgs_mcs/mcs2024-raree_world.csv")))
    assert code == 0, output
    assert "read 16, added 16, updated 0, unchanged 0, duplicates 0, rejected 0" in output
    code, output = invoke(env, "economy", "import-usgs", str(shared_file("economy/usgs_mcs/mcs2024-raree_world.csv")))
    assert "read 16, added 0, updated 0, unchanged 16" in output
    code, output = invoke(env, "economy", "hhi", "rare-earths", "--source", "usgs", "--year", "2023")
    assert code == 0, output
    assert "HHI 4,909 by quantity, mine production, USGS MCS2024 2023" in output
    assert "source: mcs2024-raree_world.csv" in output


def test_import_fiscal_reports_rows(env: dict[str, str]) -> None:
    code, output = invoke(
        env, "economy", "import-fiscal", str(shared_file("economy/india_malaysia_trade_dgcis_fy_usd_mn.csv"))
    )
    assert code == 0, output
    assert "read 13, added 13" in output


def test_a_file_with_wrong_columns_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, output = invoke(env, "economy", "import-wmd", str(bad))
    assert code == 1
    assert "x.csv line 1: missing column(s) material" in output


def test_whatif_without_data_says_what_is_missing(env: dict[str, str]) -> None:
    code, output = invoke(env, "economy", "hhi", "tin", "--source", "usgs")
    assert code == 1
    assert "no USGS production of tin for 2023" in output
