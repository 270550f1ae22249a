"""The main job, headless: two real nodes over HTTP; every expectation of the scenario holds, and each node's
map follows a live AIS feed (a replay of the shipped capture, dated now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mitra import demo
from mitra.cli import app


def _feed_positions(data_dir: Path) -> tuple[int, datetime, datetime, set[str], set[str]]:
    """What a demo node's store holds from its feed, read from its Parquet files by DuckDB alone."""
    files = str(data_dir / "maritime" / "positions" / "**" / "*.parquet")
    row = duckdb.execute(
        "SELECT count(*), min(ts), max(ts), list(DISTINCT source), list(DISTINCT time_basis) FROM read_parquet($1)",
        [files],
    ).fetchone()
    assert row is not None
    count, oldest, newest, sources, bases = row
    return int(count), oldest.replace(tzinfo=UTC), newest.replace(tzinfo=UTC), set(sources), set(bases)


def test_demo_check_passes_and_says_so(tmp_path: Path) -> None:
    started = datetime.now(UTC)
    root = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--check", "--root", str(root), "--port", "0"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "demo check passed" in result.output
    assert result.output.count(" ok ") + result.output.count("│ ok") >= 11
    assert "FAIL" not in result.output
    assert "matches" in result.output
    for nation, half in (("IND", "first"), ("MYS", "second")):
        said = next(line for line in result.output.splitlines() if line.startswith(f"ok live AIS at {nation}:"))
        assert f"feed {demo.DEMO_FEED} up" in said
        assert f"the {half} half of {demo.DEMO_CAPTURE.name}" in said
        count, oldest, newest, sources, bases = _feed_positions(root / nation.lower())
        assert count > 0
        assert sources == {demo.DEMO_FEED}  # every position came through the feed (none ingested from the file)
        assert bases == {"message"}  # dated by the replay's rewritten tag-block time, not by arrival
        assert started - timedelta(seconds=5) <= oldest <= newest <= datetime.now(UTC)  # dated now, not 2012


def test_demo_check_fails_when_the_revocation_and_narrowing_never_happen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "act", lambda nodes, ids: None)  # the originators never retract anything
    result = CliRunner().invoke(app, ["demo", "--check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output
    assert "demo check passed" not in result.output


def test_demo_check_fails_when_no_position_comes_through_the_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "FEED_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(demo.DemoReplay, "begin", lambda self: None)  # the replays never start sending
    result = CliRunner().invoke(app, ["demo", "--check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "FAIL live AIS at IND" in result.output
    assert "FAIL live AIS at MYS" in result.output
    assert "no position dated within" in result.output
    assert "demo check passed" not in result.output
