"""Every kind of report the picture uses is kept: base stations, SAR aircraft, aids to navigation, safety text.

Each stored row is checked against pyais's decode of the message on its line; SAR aircraft never join the
vessels' positions; every type read is tallied in the import report, and each type not kept is a reject
by line. A file without any AIS is an error, not an ingest.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyais
import pytest
from pyais.constants import EpfdType, NavAid
from typer.testing import CliRunner

from mitra.cli import app
from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.ais.ingest import TYPE_NAMES, IngestResult, ingest_file, type_tally
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, IngestCounts, frame_lines
from mitra.pillars.maritime.ais.store import PositionStore
from tests.conftest import shared_file

FILES = ("libais_test.aivdm", "gpsd_sample.aivdm", "gpsd_aishub_ais-nmea-sample.log")
# Rows each kind holds after ingesting FILES: the messages of its types that pyais decodes there (4,086 of
# types 4 and 11, 35 of type 9, 390 of type 21, 32 of types 12 and 14), less those the same as an earlier line.
STORED = {"stations": 4086 - 126, "sar": 35 - 1, "aids": 390, "safety": 32 - 1}


def _reference(path: Path) -> dict[int, dict[str, Any]]:
    """pyais's decode of the message that starts on each line (framed as the ingest frames it)."""
    counts = IngestCounts()
    framed = frame_lines(path.read_bytes().split(b"\n"), first_line=1, assembler=FragmentAssembler(), counts=counts)
    buffer, starts, lengths, fills, numbers, _ = framed.combined()
    out: dict[int, dict[str, Any]] = {}
    for start, length, fill, line in zip(
        starts.tolist(), lengths.tolist(), fills.tolist(), numbers.tolist(), strict=True
    ):
        body = b"AIVDM,1,1,,A," + bytes(buffer[start : start + length]) + b"," + str(fill).encode()
        check = 0
        for byte in body:
            check ^= byte
        try:
            out[line] = pyais.decode(b"!" + body + b"*%02X" % check).asdict()
        except Exception:  # pyais refuses a few real messages (none of the kinds here)
            continue
    return out


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[PositionStore, dict[str, IngestResult]]:
    store = PositionStore(tmp_path_factory.mktemp("kinds") / "maritime")
    return store, {name: ingest_file(store, shared_file(f"maritime/ais_nmea/{name}")) for name in FILES}


def _rows(store: PositionStore, dataset: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each stored row of ``dataset`` with pyais's decode of its line."""
    references = {name: _reference(shared_file(f"maritime/ais_nmea/{name}")) for name in FILES}
    with store.reading() as con:
        cursor = con.execute(f"SELECT * FROM all_{dataset} ORDER BY source, line")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert rows
    for row in rows:
        yield row, references[row["source"]][row["line"]]  # pyais decodes every message of the kinds kept here


def _position(reference: dict[str, Any]) -> tuple[float | None, float | None]:
    lat, lon = reference["lat"], reference["lon"]
    if lat == 91.0 or lon == 181.0 or abs(lat) > 90 or abs(lon) > 180:
        return None, None
    return lat, lon


def _utc(reference: dict[str, Any]) -> datetime | None:
    try:
        parts = [reference[k] for k in ("year", "month", "day", "hour", "minute", "second")]
        return datetime(*parts) if parts[0] >= 1 else None  # the store's times are naive UTC
    except ValueError:  # "not available" codes (hour 24, minute 60, ...) or no such date
        return None


def test_base_station_reports_keep_the_stations_position_and_utc(ingested: tuple[PositionStore, Any]) -> None:
    checked = 0
    for row, ref in _rows(ingested[0], "stations"):
        assert (row["mmsi"], row["msg_type"]) == (ref["mmsi"], ref["msg_type"])
        assert (row["lat"], row["lon"]) == _position(ref)
        assert row["station_time"] == _utc(ref)
        assert (row["accuracy"], row["raim"]) == (ref["accuracy"], ref["raim"])
        assert EpfdType.from_value(row["epfd"]) == ref["epfd"]  # pyais folds reserved codes; the store keeps the raw
        checked += 1
    assert checked == STORED["stations"]


def test_sar_aircraft_positions_keep_altitude_speed_and_course(ingested: tuple[PositionStore, Any]) -> None:
    checked = 0
    for row, ref in _rows(ingested[0], "sar"):
        assert (row["mmsi"], row["lat"], row["lon"]) == (ref["mmsi"], ref["lat"], ref["lon"])
        assert row["alt"] == (None if ref["alt"] == 4095 else ref["alt"])  # 4095: not available
        assert row["sog"] == (None if ref["speed"] == 1023 else ref["speed"])
        assert row["cog"] == (None if ref["course"] == 360.0 else ref["course"])
        checked += 1
    assert checked == STORED["sar"]


def test_sar_aircraft_are_never_among_the_vessels_positions(ingested: tuple[PositionStore, Any]) -> None:
    store = ingested[0]
    with store.reading() as con:
        same_message = con.execute("SELECT count(*) FROM all_sar JOIN all_positions USING (source, line)").fetchone()
        real = "WHERE source = 'gpsd_aishub_ais-nmea-sample.log'"  # the test corpora reuse MMSIs across types
        aircraft = {m for (m,) in con.execute(f"SELECT DISTINCT mmsi FROM all_sar {real}").fetchall()}
        vessels = {m for (m,) in con.execute(f"SELECT DISTINCT mmsi FROM all_positions {real}").fetchall()}
        types = {t for (t,) in con.execute("SELECT DISTINCT msg_type FROM all_positions").fetchall()}
    assert same_message == (0,)
    assert aircraft == {111232506}  # one SAR aircraft, 27 reports
    assert not aircraft & vessels
    assert types == {1, 2, 3, 18, 19, 27}
    assert {p["msg_type"] for p in store.sar_positions(limit=100)} == {9}


def test_aids_to_navigation_keep_name_type_position_and_whether_virtual(ingested: tuple[PositionStore, Any]) -> None:
    checked = 0
    for row, ref in _rows(ingested[0], "aids"):
        full_name = ref["name"] + ref["name_ext"] if ref["name"] and ref["name_ext"] else ref["name"]
        assert (row["mmsi"], row["name"]) == (ref["mmsi"], full_name)
        assert NavAid.from_value(row["aid_type"]) == ref["aid_type"]
        assert (row["lat"], row["lon"]) == _position(ref)
        assert (row["virtual_aid"], row["off_position"]) == (ref["virtual_aid"], ref["off_position"])
        checked += 1
    assert checked == STORED["aids"]
    virtual = [a for a in ingested[0].aids_to_navigation(limit=1000) if a["virtual_aid"]]
    assert virtual  # the AISHub sample has virtual aids


def test_safety_messages_keep_their_text_and_addressee(ingested: tuple[PositionStore, Any]) -> None:
    checked = 0
    for row, ref in _rows(ingested[0], "safety"):
        assert (row["mmsi"], row["msg_type"], row["text"]) == (ref["mmsi"], ref["msg_type"], ref["text"])
        assert row["addressed"] == (ref["msg_type"] == 12)
        assert row["dest_mmsi"] == ref.get("dest_mmsi")
        checked += 1
    assert checked == STORED["safety"]
    texts = {m["text"] for m in ingested[0].safety_messages(limit=100, with_unknown_time=True)}
    assert "PLEASE REPORT TO JOBOURG TRAFFIC CHANNEL 13" in texts


def test_every_type_read_is_tallied_and_every_type_not_kept_is_rejected_by_line(
    ingested: tuple[PositionStore, Any],
) -> None:
    result: IngestResult = ingested[1]["gpsd_sample.aivdm"]
    tallies = result.report.tallies
    assert sum(tallies.values()) == result.counts.messages
    for msg_type in (6, 7, 8, 10, 13, 15, 16, 17, 20, 22, 23, 25, 26):
        reason = f"type {msg_type} ({TYPE_NAMES[msg_type]}): not decoded"
        assert result.report.rejected[reason].count == tallies[type_tally(msg_type)] > 0
    kept = (1, 2, 3, 4, 5, 9, 11, 12, 14, 18, 19, 21, 24, 27)
    assert not [r for r in result.report.rejected if re.match(rf"type ({'|'.join(map(str, kept))}) \(", r)]
    assert result.report.accounted == result.report.read


def test_a_resumed_ingest_keeps_every_kind_row_for_row(tmp_path: Path) -> None:
    source = shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log")
    whole = PositionStore(tmp_path / "whole")
    ingest_file(whole, source, batch_lines=20000)
    resumed = PositionStore(tmp_path / "resumed")

    def crash(done: int, total: int) -> None:
        if done >= 40000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_file(resumed, source, batch_lines=20000, on_progress=crash)
    assert ingest_file(resumed, source, batch_lines=20000).resumed_from_line == 40000
    for dataset in ("stations", "sar", "aids"):
        query = f"SELECT * EXCLUDE (source) FROM all_{dataset} ORDER BY line"
        with whole.reading() as one, resumed.reading() as two:
            expected = one.execute(query).fetchall()
            assert expected
            assert two.execute(query).fetchall() == expected
    assert resumed.check().intact


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\xff\x10garbage\n" * 50,
        gzip.compress(b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,,*47\n"),
    ],
    ids=["empty", "garbage", "other NMEA only, gzip"],
)
def test_a_file_without_ais_is_an_error_and_not_recorded_as_ingested(tmp_path: Path, content: bytes) -> None:
    store = PositionStore(tmp_path / "maritime")
    path = tmp_path / "no-ais.nmea"
    path.write_bytes(content)
    for _ in range(2):  # and again: never "ingested in full before"
        with pytest.raises(InvalidInput, match=r"no-ais\.nmea: (empty: )?no AIS NMEA") as refused:
            ingest_file(store, path)
        assert "nothing stored, nothing recorded as ingested" in str(refused.value)
    assert not store.reports_dir.exists() or not list(store.reports_dir.iterdir())
    assert store.data_files() == []


def test_ingesting_garbage_on_the_command_line_exits_1_with_one_line(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 64)
    for _ in range(2):
        result = CliRunner().invoke(app, ["ais", "ingest", str(path)], env=env)
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, result.output
        assert lines[0].startswith("error: ")
        assert "no AIS NMEA sentence (!AIVDM/!AIVDO) in 65 lines" in lines[0]
        assert "ingested in full" not in result.output


def test_the_store_lists_each_kind_with_its_times(ingested: tuple[PositionStore, Any]) -> None:
    counts = ingested[0].counts()
    assert set(counts) == {"positions", "static", "stations", "sar", "aids", "safety"}
    assert all(held > 0 for held, _ in counts.values())
    stations = ingested[0].station_reports(since=datetime(2012, 3, 14, tzinfo=UTC), limit=10)
    assert stations
    assert all(s["ts"] >= "2012-03-14" for s in stations)
