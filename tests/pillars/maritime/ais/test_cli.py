"""``mitra ais ingest`` and ``mitra ais detect`` as a person uses them, including who may not."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.pillars.maritime.ais.events import EVENT_TYPE
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.policy import Actor, Role
from mitra.settings import load_settings
from tests.conftest import shared_file
from tests.pillars.maritime.ais.helpers import track, write_positions

runner = CliRunner()
SAMPLE = "maritime/ais_nmea/pyais_nmea_data_sample.txt"
T0 = datetime(2024, 3, 1, tzinfo=UTC)


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _store(tmp_path: Path) -> PositionStore:
    return PositionStore(tmp_path / "node" / "maritime")


def _add_user(env: dict[str, str], name: str, *options: str) -> None:
    code, output = invoke(env, "user", "add", name, *options)
    assert code == 0, output


def _stored_events(env: dict[str, str]) -> list[dict[str, object]]:
    node = open_node(
        load_settings(nation=env["MITRA_NATION"], agencies=env["MITRA_AGENCIES"], data_dir=Path(env["MITRA_DATA_DIR"]))
    )
    try:
        admin = Actor(nation="IND", agency="NSCS", username="test-admin", roles=frozenset({Role.ADMIN}))
        with node.db.read() as session:
            rows, _ = node.store.search(session, actor=admin, types=[EVENT_TYPE])
        return [row.as_stix() for row in rows]
    finally:
        node.close()


def _gap_positions(tmp_path: Path) -> None:
    """One vessel 60 nm out in the Bay of Bengal, silent for 13 hours."""
    before = track(7, T0, 2, 8.0, 92.0, 0.01, 8.0)
    after = track(7, T0 + timedelta(hours=15), 2, 8.0, 92.5, 0.01, 8.0)
    write_positions(_store(tmp_path), before + after)


def test_ingest_stores_the_positions_and_prints_the_summary(env: dict[str, str], tmp_path: Path) -> None:
    code, output = invoke(env, "ais", "ingest", str(shared_file(SAMPLE)))
    assert code == 0, output
    store = _store(tmp_path)
    stored = store.count_positions(with_unknown_time=True)
    untimed = stored - store.count_positions()
    assert stored > untimed > 0  # the sample's reports before its first base-station report have no time
    assert re.search(rf"positions stored\s+│\s+{stored:,} │", output), output
    assert f"{sum(store.untimed_counts()):,} reports carry no time and none was named" in output
    assert re.search(r"rejected: type 15 \(interrogation\): not decoded \(7\): lines 239, ", output)


def test_ingesting_a_missing_file_names_it_and_stores_nothing(env: dict[str, str], tmp_path: Path) -> None:
    code, output = invoke(env, "ais", "ingest", str(tmp_path / "nowhere.nmea"))
    assert code == 1
    assert "nowhere.nmea: no such file" in output
    assert _store(tmp_path).count_positions() == 0


def test_a_viewer_may_not_ingest_and_nothing_is_stored(env: dict[str, str], tmp_path: Path) -> None:
    _add_user(env, "vera", "--roles", "viewer", "--agency", "NSCS", "--password", "a-long-password")
    code, output = invoke(env, "ais", "ingest", str(shared_file(SAMPLE)), "--as", "vera")
    assert code == 1
    assert "vera may not ingest AIS" in output
    assert _store(tmp_path).count_positions() == 0


def test_a_partner_account_may_not_ingest(env: dict[str, str], tmp_path: Path) -> None:
    _add_user(env, "mys-node", "--roles", "partner", "--nation", "MYS")
    code, output = invoke(env, "ais", "ingest", str(shared_file(SAMPLE)), "--as", "mys-node")
    assert code == 1
    assert "mys-node may not ingest AIS" in output
    assert _store(tmp_path).count_positions() == 0


def test_acting_as_an_unknown_user_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    code, output = invoke(env, "ais", "ingest", str(shared_file(SAMPLE)), "--as", "nobody")
    assert code == 1
    assert "--as 'nobody': no such user" in output
    assert _store(tmp_path).count_positions() == 0


def test_an_analyst_acting_as_themself_may_ingest(env: dict[str, str], tmp_path: Path) -> None:
    _add_user(env, "asha", "--roles", "analyst", "--agency", "NSCS", "--password", "a-long-password")
    code, output = invoke(env, "ais", "ingest", str(shared_file(SAMPLE)), "--as", "asha")
    assert code == 0, output
    assert _store(tmp_path).count_positions() > 0


def test_detect_records_the_events_and_a_rerun_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    _gap_positions(tmp_path)
    code, output = invoke(env, "ais", "detect", "--preset", "dark-activity")
    assert code == 0, output
    assert "1 events found, 0 updated, 0 withdrawn, 0 unchanged" in output
    assert "likely_disabling: 1" in output
    events = _stored_events(env)
    assert [(e["event_type"], e["mmsi"], e["status"]) for e in events] == [("likely_disabling", 7, "closed")]
    code, output = invoke(env, "ais", "detect", "--preset", "dark-activity")
    assert code == 0, output
    assert "0 events found, 0 updated, 0 withdrawn, 1 unchanged" in output


def test_a_viewer_may_not_detect_and_no_event_is_recorded(env: dict[str, str], tmp_path: Path) -> None:
    _gap_positions(tmp_path)
    _add_user(env, "vera", "--roles", "viewer", "--agency", "NSCS", "--password", "a-long-password")
    code, output = invoke(env, "ais", "detect", "--as", "vera")
    assert code == 1
    assert "vera may not record detected events" in output
    assert _stored_events(env) == []


def test_a_partner_account_may_not_detect_and_no_event_is_recorded(env: dict[str, str], tmp_path: Path) -> None:
    _gap_positions(tmp_path)
    _add_user(env, "mys-node", "--roles", "partner", "--nation", "MYS")
    code, output = invoke(env, "ais", "detect", "--as", "mys-node")
    assert code == 1
    assert "mys-node may not record detected events" in output
    assert _stored_events(env) == []


def test_an_unknown_preset_is_refused_with_the_known_ones(env: dict[str, str]) -> None:
    code, output = invoke(env, "ais", "detect", "--preset", "everything")
    assert code == 1
    assert "--preset 'everything' is not one of all, gfw" in output
