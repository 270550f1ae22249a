"""One question, one answer: the demo detects AIS events as `mitra ais detect` does, and says every count."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.pillars.maritime.demo import load_demo_data
from tests.conftest import make_settings, shared_file

ASAM = "maritime/piracy/nga_asam_2022-06-21.csv"
AISHUB = "maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"


def _shared(tmp_path: Path) -> Path:
    """A shared-data folder: the first 20 ASAM reports and the first again (a duplicate), the AIS sample, ports."""
    root = tmp_path / "shared"
    (root / "maritime" / "piracy").mkdir(parents=True)
    (root / "maritime" / "ais_nmea").mkdir()
    with shared_file(ASAM).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[:21]
    with (root / ASAM).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([*rows, rows[1]])
    (root / AISHUB).symlink_to(shared_file(AISHUB))
    (root / "maritime" / "ports").symlink_to(shared_file("maritime/ports"))
    return root


def test_the_demo_finds_the_events_the_command_finds_with_the_same_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    node = open_node(settings)
    try:
        node.init()
        lines = load_demo_data(node, _shared(tmp_path), node.operator(username="demo:loader"))
    finally:
        node.close()
    assert lines[0] == (
        "maritime: ASAM incidents (nga_asam_2022-06-21.csv): "
        "21 read: 20 added, 0 updated, 0 unchanged, 1 duplicates, 0 rejected"
    )
    assert lines[1] == (
        "maritime: AIS sample gpsd_aishub_ais-nmea-sample.log (messages): "
        "82,754 read: 79,033 added, 0 updated, 0 unchanged, 518 duplicates, 3,203 rejected"
    )
    demo = re.fullmatch(
        r"maritime: AIS events over ([\d,]+) positions: ([\d,]+) found, 0 updated, 0 withdrawn, 0 unchanged "
        r"\(the settings of `mitra ais detect`: (.+)\)",
        lines[2],
    )
    assert demo is not None, lines[2]
    positions, found, described = demo.groups()
    assert int(found.replace(",", "")) > 6000
    assert "preset all (" in described
    assert "5 areas of interest" in described
    env = {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(settings.data_dir),
        "MITRA_DATABASE_URL": "",
    }
    result = CliRunner().invoke(app, ["ais", "detect"], env=env)
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert f"settings: {described} " in flat
    assert f"{positions} positions: 0 events found, 0 updated, 0 withdrawn, {found} unchanged" in flat
