"""``mitra maritime ...``: ASAM import with a summary, statistics, areas from GeoJSON; errors in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from mitra.cli import app

runner = CliRunner()
HEADER = "reference,date,position,navArea,subreg,hostility,victim,description,\n"


def test_import_asam_prints_a_summary_and_the_bad_rows_by_line(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "asam.csv"
    path.write_text(
        HEADER
        + '2022-149,2022-05-27,"1°07\'00""N\n103°30\'00""E",XI,71,Boarding,'
        + 'Panama-flagged tanker YONG XING,"robbers boarded",\n'
        + '2022-150,2022-05-27,"nowhere",XI,71,Boarding,,"lost",\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["maritime", "incidents", "import-asam", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "Singapore Strait" in result.output
    assert re.search(r"rejected: reference 2022-150.*'nowhere' \(1\): line 4\n", result.output), result.output
    again = runner.invoke(app, ["maritime", "incidents", "import-asam", str(path)], env=env)
    assert re.search(r"│\s+2 │\s+0 │\s+0 │\s+1 │\s+0 │\s+1 │", again.output), again.output


def test_stats_counts_incidents_per_area_for_a_year(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "asam.csv"
    path.write_text(HEADER + '2021-001,2021-01-05,"3°55\'00""N\n98°46\'00""E",XI,71,,,"robbers",\n', encoding="utf-8")
    runner.invoke(app, ["maritime", "incidents", "import-asam", str(path)], env=env)
    result = runner.invoke(app, ["maritime", "incidents", "stats", "--year", "2021"], env=env)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "Strait of Malacca" in line)
    assert row.split("│")[2].strip() == "1"


def test_areas_import_stores_named_polygons_and_refuses_bad_geojson(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "areas.geojson"
    square = {"type": "Polygon", "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]]}
    good.write_text(json.dumps({"type": "Feature", "properties": {"name": "Box"}, "geometry": square}))
    result = runner.invoke(app, ["maritime", "areas", "import", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "stored area 'Box'" in result.output
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": square}))
    failed = runner.invoke(app, ["maritime", "areas", "import", str(bad)], env=env)
    assert failed.exit_code == 1
    assert "needs properties.name" in failed.output
