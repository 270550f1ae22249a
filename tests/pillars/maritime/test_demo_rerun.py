"""A second ``make demo`` says the ASAM reports are held already, not zeros as if it had failed; detection
reports its progress step by step (what ``mitra ais detect`` draws its progress bar from)."""

from __future__ import annotations

import csv
from pathlib import Path

from mitra.bootstrap import open_node
from mitra.node import Node
from mitra.pillars.maritime.ais.detect import PRESETS
from mitra.pillars.maritime.ais.events import detect_and_record
from mitra.pillars.maritime.demo import load_demo_data
from mitra.policy import Role
from tests.conftest import add_person, make_settings, shared_file
from tests.pillars.maritime.picture_data import write_vessels

ASAM = "maritime/piracy/nga_asam_2022-06-21.csv"


def test_the_second_demo_load_says_the_incidents_are_held_already(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "maritime" / "piracy").mkdir(parents=True)
    with shared_file(ASAM).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[:11]
    with (shared / ASAM).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    node = open_node(make_settings(tmp_path))
    try:
        node.init()
        loader = node.operator(username="demo:loader")
        first = load_demo_data(node, shared, loader)
        second = load_demo_data(node, shared, loader)
    finally:
        node.close()
    assert first == [
        "maritime: ASAM incidents (nga_asam_2022-06-21.csv): "
        "10 read: 10 added, 0 updated, 0 unchanged, 0 duplicates, 0 rejected"
    ]
    assert second == ["maritime: ASAM incidents (nga_asam_2022-06-21.csv): 10 held already, nothing new"]


def test_detection_reports_each_detector_then_the_events_recorded(maritime_node: Node) -> None:
    write_vessels(maritime_node)
    analyst = add_person(maritime_node, "asha", {Role.ANALYST}, agency="NSCS")
    heard: list[tuple[str, int, int]] = []
    detect_and_record(maritime_node, analyst.actor, on_progress=lambda *step: heard.append(step))
    detectors = PRESETS["all"]
    assert heard[0] == ("checking the stored files", 0, len(detectors))
    assert [what for what, _, _ in heard[1 : 1 + len(detectors)]] == [
        f"detecting: {name.replace('_', ' ')}" for name in detectors
    ]
    assert [done for _, done, _ in heard[1 : 1 + len(detectors)]] == list(range(len(detectors)))
    what, done, total = heard[-1]
    assert what == "events recorded"
    assert done == total
