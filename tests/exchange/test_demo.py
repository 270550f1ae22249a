"""The main job, headless: two real nodes over HTTP; every expectation of the scenario holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mitra import demo
from mitra.cli import app


def test_demo_check_passes_and_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--check"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "demo check passed" in result.output
    assert result.output.count(" ok ") + result.output.count("│ ok") >= 11
    assert "FAIL" not in result.output
    assert "matches" in result.output


def test_demo_check_fails_when_the_revocation_and_narrowing_never_happen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "act", lambda nodes, ids: None)  # the originators never retract anything
    result = CliRunner().invoke(app, ["demo", "--check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output
    assert "demo check passed" not in result.output
