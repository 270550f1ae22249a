"""Nothing invented, nothing dropped: untimed reports, an explicit time basis, exact dedup, every type reported,
and a resumed ingest that stores exactly what one run stores."""

from __future__ import annotations

import functools
import operator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyais.encode import encode_dict

from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.ais.ingest import TimeBasis, ingest_file
from mitra.pillars.maritime.ais.store import PositionStore
from tests.conftest import shared_file


def _position(**fields: object) -> str:
    return encode_dict({"msg_type": 1, "mmsi": 533000001, "lat": 1.25, "lon": 103.8, **fields}, sentence_type="VDM")[0]


def _tagged(sentence: str, seconds: int) -> bytes:
    body = f"c:{seconds}".encode()
    return b"\\" + body + b"*%02X" % functools.reduce(operator.xor, body, 0) + b"\\" + sentence.encode()


def _with_checksum(body: str) -> bytes:
    return b"!" + body.encode() + b"*%02X" % functools.reduce(operator.xor, body.encode(), 0)


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_reports_without_a_time_are_stored_with_an_unknown_time_and_none_is_lost(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    still = _position(speed=0.0, course=90.0)
    turning = _position(speed=0.0, course=91.0)  # the same place, another course: another report
    path = _write(tmp_path / "untimed.nmea", [still.encode(), still.encode(), turning.encode()])
    result = ingest_file(store, path)
    assert (result.report.read, result.report.added, result.report.duplicate_count) == (3, 2, 1)
    assert result.report.positions("duplicates", "the same report as an earlier line") == [2]
    assert result.untimed == 2
    assert store.count_positions() == 0  # no map or detector sees a report it cannot place in time
    with store.connect() as con:
        rows = con.execute("SELECT ts, cog, line, time_basis FROM all_positions ORDER BY line").fetchall()
    assert rows == [(None, 90.0, 1, "unknown"), (None, 91.0, 3, "unknown")]


def test_an_assumed_time_basis_times_them_and_is_recorded_with_each_report(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    lines = [_position(speed=float(n)).encode() for n in range(3)]
    path = _write(tmp_path / "capture.nmea", lines)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    result = ingest_file(store, path, basis=TimeBasis("assumed", start.timestamp(), rate=2.0))
    assert result.time_basis == "assumed from 2024-06-01T00:00:00Z at 2 lines/s"
    with store.connect() as con:
        rows = con.execute("SELECT epoch(ts), sog, time_basis FROM positions ORDER BY line").fetchall()
    assert rows == [(start.timestamp() + k / 2, float(k), "assumed") for k in range(3)]


def test_a_tag_block_time_wins_over_the_basis_and_says_so(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    path = _write(tmp_path / "mixed.nmea", [_tagged(_position(), 1717200000), _position(speed=3.0).encode()])
    ingest_file(store, path, time_from_file_mtime=True)
    with store.connect() as con:
        rows = con.execute("SELECT epoch(ts), time_basis FROM positions ORDER BY line").fetchall()
    assert rows[0] == (1717200000.0, "message")
    assert rows[1] == (pytest.approx(path.stat().st_mtime, abs=1e-6), "file-mtime")  # stored to the microsecond


def test_reports_that_differ_in_any_field_are_all_kept_and_the_first_copy_wins(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    at = 1717200000
    lines = [
        _tagged(_position(speed=10.0), at),
        _tagged(_position(speed=12.0), at),  # same vessel, time and place; another speed
        _tagged(_position(speed=10.0), at),  # the first again: a duplicate
    ]
    result = ingest_file(store, _write(tmp_path / "same-time.nmea", lines))
    assert (result.report.added, result.report.duplicate_count) == (2, 1)
    assert result.report.positions("duplicates", "the same report as an earlier line") == [3]
    with store.connect() as con:
        assert con.execute("SELECT line, sog FROM positions ORDER BY line").fetchall() == [(1, 10.0), (2, 12.0)]


def test_every_message_not_stored_is_rejected_with_its_line_and_why(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    part_a = encode_dict({"msg_type": 24, "mmsi": 338085237, "partno": 0, "shipname": "X"}, sentence_type="VDM")[0]
    payload = part_a.split(",")[5]
    reserved = payload[:6] + "M" + payload[7:]  # bits 38-39, the part number, set to 3 (reserved)
    inquiry = encode_dict({"msg_type": 10, "mmsi": 533000002, "dest_mmsi": 533000001}, sentence_type="VDM")
    lines = [_with_checksum(f"AIVDM,1,1,,A,{reserved},0"), inquiry[0].encode(), _position().encode()]
    result = ingest_file(store, _write(tmp_path / "types.nmea", lines))
    rejected = result.report.rejected
    reserved_reason = next(r for r in rejected if r.startswith("type 24"))
    assert "reserved" in reserved_reason
    assert rejected[reserved_reason].positions == [1]
    assert rejected["type 10 (UTC/date inquiry): not decoded"].positions == [2]
    assert result.report.accounted == result.report.read == 3


def test_a_resume_basis_must_be_the_interrupted_runs(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    source = shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log")

    def crash(done: int, total: int) -> None:
        if done:
            raise _Crash

    with pytest.raises(_Crash):
        ingest_file(store, source, batch_lines=5000, on_progress=crash)
    with pytest.raises(InvalidInput, match="used time basis none; resume with it"):
        ingest_file(store, source, batch_lines=5000, time_from_file_mtime=True)


@pytest.mark.parametrize("batches_before_crash", [1, 6])
def test_a_resumed_ingest_stores_row_for_row_what_one_run_stores(tmp_path: Path, batches_before_crash: int) -> None:
    source = shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log")
    whole = PositionStore(tmp_path / "whole")
    one_run = ingest_file(whole, source, batch_lines=4999)
    resumed = PositionStore(tmp_path / "resumed")
    calls = {"n": 0}

    def crash(done: int, total: int) -> None:
        calls["n"] += 1
        if calls["n"] == batches_before_crash + 1:  # the first call reports the start
            raise _Crash

    with pytest.raises(_Crash):
        ingest_file(resumed, source, batch_lines=4999, on_progress=crash)
    second = ingest_file(resumed, source, batch_lines=4999)
    assert second.resumed_from_line == 4999 * batches_before_crash
    for table in ("all_positions", "all_static"):
        query = f"SELECT * EXCLUDE (time_basis), time_basis FROM {table} ORDER BY line, msg_type"
        assert resumed.connect().execute(query).fetchall() == whole.connect().execute(query).fetchall()
    assert one_run.report.accounted == one_run.report.read


class _Crash(Exception):
    pass
