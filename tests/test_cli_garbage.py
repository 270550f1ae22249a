"""Garbage is an error: an unknown TLP stops a command in one line, listing the valid levels, storing nothing."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from tests.conftest import make_settings

runner = CliRunner()

LEVELS = "clear, green, amber, amber+strict, red"
SIPRI_HEADER = (
    "recipient,supplier,year_of_order,order_year_uncertain,number_ordered,number_ordered_uncertain,"
    "weapon_designation,weapon_description,number_delivered,number_delivered_uncertain,years_of_delivery,"
    "status,comments,tiv_per_unit,tiv_total_order,tiv_delivered\n"
)
SIPRI_GOOD = "India,Israel,2009,,16,,Heron,UAV,16,,2012,New,,3,48,48\n"


def bundle(*objects: dict[str, object]) -> str:
    return json.dumps({"type": "bundle", "id": "bundle--6f1b2a4e-4b9c-4f1e-9d1b-2a4e4b9c4f1e", "objects": objects})


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2025-01-01T00:00:00.000Z",
    "modified": "2025-01-01T00:00:00.000Z",
    "name": "known bad address",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2025-01-01T00:00:00Z",
}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def the_one_line(output: str) -> str:
    """The only line a refused command printed (a progress bar may leave a blank one)."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """A node that does not exist yet: a command refusing its input before opening one leaves no data dir."""
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "never"),
        "MITRA_DATABASE_URL": "",
    }


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("garbage-template")
    node = open_node(make_settings(root))
    node.init()
    node.close()
    return root / "ind"


@pytest.fixture
def env(tmp_path: Path, _template: Path) -> dict[str, str]:
    """An initialised India node on SQLite (no seed), a copy of one made per module."""
    shutil.copytree(_template, tmp_path / "ind")
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "ind"),
        "MITRA_DATABASE_URL": "",
    }


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("command", "name", "content"),
    [
        (("import", "--tlp", "purple"), "b.json", bundle(INDICATOR)),
        (("intel", "import-stix", "--tlp", "purple"), "b.json", bundle(INDICATOR)),
        (("intel", "import-csv", "--tlp", "purple"), "l.csv", "type,value\nip-dst,198.51.100.7\n"),
        (("defence", "import-sipri", "--tlp", "purple"), "s.csv", SIPRI_HEADER + SIPRI_GOOD),
    ],
    ids=["import", "intel import-stix", "intel import-csv", "defence import-sipri"],
)
def test_an_unknown_tlp_is_refused_with_the_valid_levels(
    bare_env: dict[str, str], tmp_path: Path, command: tuple[str, ...], name: str, content: str
) -> None:
    file = write(tmp_path, name, content)
    code, output = invoke(bare_env, *command, str(file))
    assert code == 2, output
    assert the_one_line(output) == f"error: --tlp 'purple' is not a TLP 2.0 level; use one of {LEVELS} (any case)"
    assert not Path(bare_env["MITRA_DATA_DIR"]).exists()


def test_a_partners_default_tlp_is_checked_the_same_way(bare_env: dict[str, str]) -> None:
    code, output = invoke(bare_env, "partner", "add", "MYS", "--url", "http://x", "--unsigned", "--default-tlp", "x")
    assert code == 2
    assert the_one_line(output) == f"error: --default-tlp 'x' is not a TLP 2.0 level; use one of {LEVELS} (any case)"


def test_a_tlp_is_read_in_any_case(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "b.json", bundle(INDICATOR))
    code, output = invoke(env, "import", str(file), "--tlp", "AMBER+STRICT")
    assert code == 0, output
    with sqlite3.connect(Path(env["MITRA_DATA_DIR"]) / "mitra.sqlite3") as db:
        row = db.execute("select tlp from stix_objects where id = ?", (INDICATOR["id"],)).fetchone()
    assert row == ("amber+strict",)
