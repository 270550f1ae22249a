"""``mitra intel ...`` as an operator uses it: imports with reports, MISP export, warninglists."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mitra.cli import app
from tests.conftest import shared_file

runner = CliRunner()


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["intel", *args], env=env)
    return result.exit_code, result.output


def test_import_misp_reports_counts_then_nothing_new(env: dict[str, str]) -> None:
    event = shared_file("intel/misp/pymisp-testfiles/existing_event.json")
    code, output = invoke(env, "import-misp", str(event))
    assert code == 0, output
    assert "report: report--5a3c2fcd-8328-42bb-a95e-4f4402de0b81" in output
    code, output = invoke(env, "import-misp", str(event))
    assert code == 0
    assert "nothing new" in output


def test_export_misp_writes_the_event_with_its_tags(env: dict[str, str], tmp_path: Path) -> None:
    invoke(env, "import-misp", str(shared_file("intel/misp/pymisp-testfiles/existing_event.json")))
    out = tmp_path / "event.json"
    code, output = invoke(env, "export-misp", "report--5a3c2fcd-8328-42bb-a95e-4f4402de0b81", "--out", str(out))
    assert code == 0, output
    assert json.loads(out.read_text())["Event"]["Tag"][0]["name"] == "tlp:white"


def test_import_csv_names_the_bad_line_and_imports_nothing(env: dict[str, str], tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("type,value\nip-dst,185.220.101.7\nmd5,xyz\n")
    code, output = invoke(env, "import-csv", str(listing))
    assert code == 1
    assert "line 3: a md5 is 32 hexadecimal digits" in output
    assert "nothing was imported" in output


def test_import_stix_refuses_the_invalid_tlp_example(env: dict[str, str]) -> None:
    code, output = invoke(env, "import-stix", str(shared_file("intel/stix21-examples/tlp2/using-tlp2.0-green.json")))
    assert code == 1
    assert "not a STIX bundle" in output


def test_import_india_malaysia_then_check_a_value_on_the_warninglists(env: dict[str, str]) -> None:
    code, output = invoke(
        env, "import-india-malaysia", str(shared_file("intel/attack/india-malaysia-actors.derived.json"))
    )
    assert code == 0, output
    assert "report: report--" in output
    code, output = invoke(env, "warninglists", "8.8.8.8")
    assert code == 0
    assert "8.8.8.8: on List of known IPv4 public DNS resolvers" in output
