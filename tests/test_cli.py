"""The ``mitra`` command as a person uses it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mitra.cli import app
from tests.conftest import shared_file

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The commands run against each database the storage tests run on."""
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "node"),
        "MITRA_DATABASE_URL": database_url,
    }


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_node_init_is_idempotent_and_seeds(env: dict[str, str]) -> None:
    code, output = invoke(env, "node", "init", "--seed")
    assert code == 0, output
    assert "seeded intel: 5 new objects" in output
    code, output = invoke(env, "node", "init", "--seed")
    assert code == 0
    assert "seeded intel: 0 new objects" in output


def test_bad_setting_stops_with_the_setting_named(env: dict[str, str]) -> None:
    code, output = invoke({**env, "MITRA_NATION": "India"}, "node", "init")
    assert code == 2
    assert "MITRA_NATION" in output


def test_import_reports_counts_and_reimport_skips(env: dict[str, str]) -> None:
    invoke(env, "node", "init")
    bundle = shared_file("intel/stix21-examples/json-schemas/threat-reports_poisonivy.json")
    total = len(json.loads(bundle.read_text())["objects"])
    code, output = invoke(env, "import", str(bundle), "--tlp", "clear")
    assert code == 0, output
    assert f"│ {total:>5} │" in output or str(total) in output
    code, output = invoke(env, "import", str(bundle))
    assert code == 0
    assert re.search(rf"│\s*{total}\s*│\s*0\s*│\s*0\s*│\s*{total}\s*│\s*0\s*│\s*0\s*│", output), output


def test_import_of_a_broken_file_says_so_and_imports_nothing(env: dict[str, str], tmp_path: Path) -> None:
    invoke(env, "node", "init")
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "bundle", "objects": [')
    code, output = invoke(env, "import", str(broken))
    assert code == 1
    assert "not valid JSON" in output


def test_user_add_token_create_and_list(env: dict[str, str]) -> None:
    invoke(env, "node", "init")
    code, output = invoke(
        env, "user", "add", "asha", "--roles", "analyst", "--agency", "NSCS", "--password", "a-long-password"
    )
    assert code == 0, output
    code, output = invoke(env, "token", "create", "asha")
    assert code == 0
    assert "mitra_" in output
    code, output = invoke(env, "user", "list")
    assert "asha" in output
    assert "analyst" in output


def test_user_add_refuses_an_unknown_role(env: dict[str, str]) -> None:
    invoke(env, "node", "init")
    code, output = invoke(
        env, "user", "add", "x", "--roles", "boss", "--agency", "NSCS", "--password", "a-long-password"
    )
    assert code == 1
    assert "'boss' is not a role" in output


@pytest.mark.slow
def test_attack_enterprise_imports_whole_and_verifies(env: dict[str, str]) -> None:
    invoke(env, "node", "init")
    bundle = shared_file("intel/attack/enterprise-attack-18.1-stix21-derived.json")
    code, output = invoke(env, "import", str(bundle), "--tlp", "clear")
    assert code == 0, output
    assert "24771" in output.replace(",", "")
    code, output = invoke(env, "audit", "verify")
    assert code == 0
    assert "intact" in output
