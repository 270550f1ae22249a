"""Storage you can trust: every Parquet file's checksum is recorded when written and checked before detection;
damage stops the run naming the file and withdraws nothing; `mitra ais verify` reports it; reads name a bad file."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.pillars.maritime.ais.events import EVENT_TYPE
from mitra.pillars.maritime.ais.store import MANIFEST_NAME, PositionStore, StoreDamaged, file_sha256
from mitra.policy import Actor, Role
from mitra.settings import load_settings
from tests.conftest import shared_file
from tests.pillars.maritime.ais.helpers import track, write_positions

runner = CliRunner()
AISHUB = "maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"
T0 = datetime(2024, 3, 1, tzinfo=UTC)


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _store(env: dict[str, str]) -> PositionStore:
    return PositionStore(Path(env["MITRA_DATA_DIR"]) / "maritime")


def _events(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Every stored event's id -> (status, modified): a run that changes or withdraws any changes this."""
    settings = load_settings(
        nation=env["MITRA_NATION"], agencies=env["MITRA_AGENCIES"], data_dir=Path(env["MITRA_DATA_DIR"])
    )
    node = open_node(settings)
    try:
        admin = Actor(nation="IND", agency="NSCS", username="test-admin", roles=frozenset({Role.ADMIN}))
        with node.db.read() as session:
            rows = list(node.store.iter_visible(session, actor=admin, types=[EVENT_TYPE], with_revoked=True))
        return {row.id: (str(row.as_stix()["status"]), str(row.as_stix()["modified"])) for row in rows}
    finally:
        node.close()


def _positions_file(store: PositionStore) -> Path:
    """The largest positions file: the AISHub sample's one day."""
    return max(store.positions_dir.glob("date=*/*.parquet"), key=lambda p: p.stat().st_size)


def _zero(path: Path, offset: int, size: int = 4096) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(b"\0" * size)


def _detected(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    code, output = invoke(env, "ais", "ingest", str(shared_file(AISHUB)))
    assert code == 0, output
    code, output = invoke(env, "ais", "detect")
    assert code == 0, output
    events = _events(env)
    assert len(events) > 1000
    return events


def test_a_clean_store_verifies(env: dict[str, str]) -> None:
    code, output = invoke(env, "ais", "ingest", str(shared_file(AISHUB)))
    assert code == 0, output
    store = _store(env)
    files = store.data_files()
    assert {f.parent.parent.name for f in files} == {"positions", "static", "stations", "sar", "aids"}
    recorded = store.manifest()
    assert sorted(recorded) == sorted(store.relative(f) for f in files)
    assert all(recorded[store.relative(f)]["sha256"] == file_sha256(f) for f in files)
    code, output = invoke(env, "ais", "verify")
    assert code == 0, output
    assert f"{len(files)} Parquet files checked against {MANIFEST_NAME}" in output
    assert "every file is as recorded" in output


def test_corrupt_bytes_in_one_file_stop_detection_naming_it_and_nothing_is_withdrawn(env: dict[str, str]) -> None:
    before = _detected(env)
    store = _store(env)
    damaged = _positions_file(store)
    lon_zero = "SELECT count(*) FILTER (WHERE lon = 0.0) FROM read_parquet(?)"
    zeros_before = duckdb.connect().execute(lon_zero, [str(damaged)]).fetchone()
    _zero(damaged, 1 << 20)
    zeros_after = duckdb.connect().execute(lon_zero, [str(damaged)]).fetchone()
    assert zeros_before is not None
    assert zeros_after is not None
    assert zeros_after[0] > zeros_before[0]  # DuckDB reads the zeroed page without a complaint: only a checksum tells
    code, output = invoke(env, "ais", "detect")
    assert code == 1
    flat = " ".join(output.split())
    assert f"{store.relative(damaged)}: checksum differs" in flat
    assert "withdrawn" not in flat
    assert _events(env) == before  # not one event created, changed or withdrawn


def test_a_truncated_file_stops_detection_and_every_read_with_one_error_naming_it(env: dict[str, str]) -> None:
    before = _detected(env)
    store = _store(env)
    damaged = _positions_file(store)
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    name = store.relative(damaged)
    code, output = invoke(env, "ais", "detect")
    assert code == 1
    assert f"{name}: size differs" in " ".join(output.split())
    assert _events(env) == before
    for read in (store.latest_positions, lambda: store.track(1), store.vessels, store.count_positions):
        with pytest.raises(StoreDamaged, match=re.escape(f"{name}: ") + r"[\d,]+ bytes, [\d,]+ recorded"):
            read()


def test_a_file_duckdb_cannot_read_is_named_not_a_duckdb_traceback(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    (written,) = write_positions(store, track(5, T0, 1, 8.0, 92.0, 0.01, 8.0), recorded=False)
    written.write_bytes(written.read_bytes()[:-100])  # not recorded: only DuckDB can tell, and it cannot read it
    for read in (store.latest_positions, lambda: store.track(5), store.vessels, store.count_positions):
        with pytest.raises(StoreDamaged, match=re.escape(store.relative(written)) + ": not a readable Parquet file"):
            read()


def test_verify_reports_each_damage_expected_against_actual_and_whether_the_rows_read(env: dict[str, str]) -> None:
    code, output = invoke(env, "ais", "ingest", str(shared_file(AISHUB)))
    assert code == 0, output
    store = _store(env)
    changed = _positions_file(store)
    truncated = max(store.static_dir.glob("date=*/*.parquet"), key=lambda p: p.stat().st_size)
    missing = next(store.root.glob("sar/date=*/*.parquet"))
    recorded = store.manifest()
    _zero(changed, 1 << 20)
    truncated.write_bytes(truncated.read_bytes()[:1000])
    missing.unlink()
    code, output = invoke(env, "ais", "verify")
    assert code == 1
    flat = " ".join(output.split())
    entry = recorded[store.relative(changed)]
    assert (
        f"damaged: {store.relative(changed)}: checksum differs (expected sha256 {entry['sha256']}, "
        f"{entry['bytes']:,} bytes, {entry['rows']:,} rows; actual sha256 {file_sha256(changed)}, "
        f"{entry['bytes']:,} bytes); rows readable: {entry['rows']:,} (values may be damaged)"
    ) in flat
    assert f"damaged: {store.relative(truncated)}: size differs" in flat
    assert "1,000 bytes); rows not readable (" in flat
    assert f"damaged: {store.relative(missing)}: missing (recorded: sha256 " in flat
    assert "3 files damaged or missing, 0 not recorded" in flat


def test_files_written_before_checksums_stop_detection_until_recorded(env: dict[str, str]) -> None:
    store = _store(env)
    old = write_positions(store, track(7, T0, 2, 8.0, 92.0, 0.01, 8.0), recorded=False)
    write_positions(store, track(7, T0 + timedelta(hours=15), 2, 8.0, 92.5, 0.01, 8.0))
    code, output = invoke(env, "ais", "detect")
    assert code == 1
    assert f"{store.relative(old[0])}: not recorded" in " ".join(output.split())
    assert "mitra ais verify --record" in output
    code, output = invoke(env, "ais", "verify")
    assert code == 1
    assert "0 files damaged or missing, 1 not recorded" in " ".join(output.split())
    code, output = invoke(env, "ais", "verify", "--record")
    assert code == 0, output
    assert f"recorded as found: {store.relative(old[0])} (13 rows)" in output
    assert store.manifest()[store.relative(old[0])]["how"] == "recorded as found (mitra ais verify --record)"
    code, output = invoke(env, "ais", "detect", "--preset", "dark-activity")
    assert code == 0, output
    assert "likely_disabling: 1" in output


def test_verify_record_records_no_unreadable_file_and_never_a_changed_one(env: dict[str, str]) -> None:
    store = _store(env)
    (broken,) = write_positions(store, track(7, T0, 1, 8.0, 92.0, 0.01, 8.0), recorded=False)
    broken.write_bytes(broken.read_bytes()[:-100])
    (changed,) = write_positions(store, track(8, T0, 1, 9.0, 92.0, 0.01, 8.0))
    _zero(changed, 200, 64)
    code, output = invoke(env, "ais", "verify", "--record")
    assert code == 1
    flat = " ".join(output.split())
    assert f"not recorded, cannot be read: {store.relative(broken)}: not recorded" in flat
    assert f"damaged: {store.relative(changed)}: checksum differs" in flat
    assert store.relative(broken) not in store.manifest()


def test_a_viewer_may_verify_but_not_record(env: dict[str, str]) -> None:
    code, output = invoke(
        env, "user", "add", "vera", "--roles", "viewer", "--agency", "NSCS", "--password", "a-long-password"
    )
    assert code == 0, output
    write_positions(_store(env), track(7, T0, 1, 8.0, 92.0, 0.01, 8.0), recorded=False)
    code, output = invoke(env, "ais", "verify", "--as", "vera")
    assert code == 1
    assert "1 not recorded" in output
    code, output = invoke(env, "ais", "verify", "--record", "--as", "vera")
    assert code == 1
    assert "vera may not record the AIS store" in output
    assert _store(env).manifest() == {}


def test_a_check_never_sees_a_file_written_and_not_yet_recorded(tmp_path: Path) -> None:
    root = tmp_path / "maritime"
    write_positions(PositionStore(root), track(7, T0, 1, 8.0, 92.0, 0.01, 8.0))
    written, release = threading.Event(), threading.Event()
    seen: list[list[str]] = []

    def ingest() -> None:  # what an ingest does: write a file, then record it, holding the store's lock
        store = PositionStore(root)
        with store.writing():
            files = write_positions(store, track(8, T0, 1, 9.0, 92.0, 0.01, 8.0), recorded=False)
            written.set()
            assert release.wait(30)
            store.record_files(files, how="test")

    def check() -> None:  # a detector run's check, from another process's point of view
        seen.append([f.state for f in PositionStore(root).check().files])

    writer = threading.Thread(target=ingest)
    writer.start()
    assert written.wait(30)
    checker = threading.Thread(target=check)
    checker.start()
    checker.join(0.5)  # give the check time to reach the lock; it must wait there
    release.set()
    writer.join()
    checker.join()
    assert seen == [["ok", "ok"]]
