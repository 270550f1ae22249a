"""A bad nation or partnership stops every command, ``mitra serve`` and ``mitra demo`` in one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from tests.conftest import make_settings

runner = CliRunner()


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def the_one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "ind"),
        "MITRA_DATABASE_URL": "",
    }


def test_a_nation_outside_the_default_partnership_is_blamed_on_mitra_nation(env: dict[str, str]) -> None:
    code, output = invoke({**env, "MITRA_NATION": "XYZ"}, "node", "init")
    assert code == 2
    assert the_one_line(output) == (
        "error: bad setting: MITRA_NATION: XYZ is not a nation of the partnership (IND and MYS, the default of "
        "MITRA_PARTNERSHIP); set MITRA_NATION to IND or MYS, or MITRA_PARTNERSHIP to the pair this node belongs to"
    )


def test_a_partnership_set_without_this_nation_is_named_with_the_nation(env: dict[str, str]) -> None:
    code, output = invoke({**env, "MITRA_NATION": "XYZ", "MITRA_PARTNERSHIP": "IND,SGP"}, "node", "init")
    assert code == 2
    assert the_one_line(output) == (
        "error: bad setting: MITRA_PARTNERSHIP: IND,SGP does not include this node's nation XYZ (MITRA_NATION); "
        "name it there, or set MITRA_NATION to IND or SGP"
    )


def test_a_malformed_partnership_is_named_without_pydantics_prefix(env: dict[str, str]) -> None:
    code, output = invoke({**env, "MITRA_PARTNERSHIP": "IND"}, "node", "init")
    assert code == 2
    assert (
        the_one_line(output) == "error: bad setting: MITRA_PARTNERSHIP: a partnership is two different nations, not IND"
    )


def test_serve_with_a_bad_nation_stops_in_one_line(env: dict[str, str]) -> None:
    code, output = invoke({**env, "MITRA_NATION": "XYZ"}, "serve")
    assert code == 2
    assert the_one_line(output).startswith("error: bad setting: MITRA_NATION: XYZ is not a nation of the partnership")
    assert not Path(env["MITRA_DATA_DIR"]).exists()


def test_serve_on_another_nations_database_stops_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    node = open_node(make_settings(tmp_path))  # an India node in MITRA_DATA_DIR
    node.init()
    node.close()
    code, output = invoke({**env, "MITRA_NATION": "MYS", "MITRA_AGENCIES": "NSC"}, "serve")
    assert code == 1
    assert the_one_line(output) == "error: MITRA_NATION is MYS but this database belongs to IND"


def test_demo_with_a_partnership_without_its_nations_stops_in_one_line(tmp_path: Path) -> None:
    code, output = invoke({"MITRA_PARTNERSHIP": "SGP,THA"}, "demo", "--check", "--root", str(tmp_path / "demo"))
    assert code == 2
    assert the_one_line(output).startswith(
        "error: bad setting: MITRA_PARTNERSHIP: SGP,THA does not include this node's nation IND (MITRA_NATION)"
    )
