"""Ingest into the position store: idempotent, gzip, bad input counted, TCP and UDP on loopback."""

from __future__ import annotations

import gzip
import socket
import threading
from datetime import datetime
from pathlib import Path

import pytest
from pyais.encode import encode_dict

from mitra.pillars.maritime.ais.ingest import ingest_file, ingest_stream
from mitra.pillars.maritime.ais.store import PositionStore
from tests.conftest import shared_file

SAMPLE = "maritime/ais_nmea/pyais_nmea_data_sample.txt"


def test_reingesting_the_same_file_adds_nothing(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    first = ingest_file(store, shared_file(SAMPLE))
    held = store.count_positions(with_unknown_time=True)
    again = ingest_file(store, shared_file(SAMPLE))
    assert first.stored_positions == held > 0
    assert first.report.accounted == first.report.read
    assert again.already_complete
    assert store.count_positions(with_unknown_time=True) == held


def test_a_copy_of_an_ingested_file_is_deduplicated(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    ingest_file(store, shared_file(SAMPLE))
    copy = tmp_path / "copy.txt"
    copy.write_bytes(shared_file(SAMPLE).read_bytes() + b"\n# a different file\n")
    result = ingest_file(store, copy)
    assert result.stored_positions == 0
    assert result.duplicates > 0


def test_gzip_files_are_read(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    packed = tmp_path / "sample.nmea.gz"
    packed.write_bytes(gzip.compress(shared_file(SAMPLE).read_bytes()))
    assert ingest_file(store, packed).stored_positions > 0


def test_bad_input_is_counted_with_line_numbers_never_a_crash(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    path = tmp_path / "bad.nmea"
    path.write_bytes(
        b"\x00\xff garbage \x9c\n"
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B\n"
        b"!AIVDM,1,1,,A,15RTgt0PAso\n"
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n"
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n"
    )
    result = ingest_file(store, path)
    assert result.report.positions("rejected", "checksum") == [2, 3]
    assert result.stored_positions == 1
    assert result.duplicates == 1
    assert result.counts.skipped == 1


def _tagged(sentence: str, field: str) -> bytes:
    body = field.encode()
    check = 0
    for byte in body:
        check ^= byte
    return b"\\" + body + f"*{check:02X}".encode() + b"\\" + sentence.encode()


def test_impossible_dates_and_receiver_times_are_rejected_never_a_crash(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    path = tmp_path / "clocks.nmea"
    february_30 = encode_dict(
        {"msg_type": 4, "mmsi": 2190047, "year": 2024, "month": 2, "day": 30, "hour": 1, "minute": 2, "second": 3},
        sentence_type="VDM",
    )[0]
    position = encode_dict({"msg_type": 1, "mmsi": 366053209, "lat": 37.8, "lon": -122.4}, sentence_type="VDM")[0]
    moved = encode_dict({"msg_type": 1, "mmsi": 366053209, "lat": 37.9, "lon": -122.4}, sentence_type="VDM")[0]
    lines = [
        february_30.encode(),
        _tagged(position, "c:1e300"),
        _tagged(position, "c:inf"),
        _tagged(moved, "c:1717200000"),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = ingest_file(store, path)
    assert result.report.positions("rejected", "time out of range") == [2, 3]
    assert result.stored_positions == 1
    assert store.count_positions() == 1


def test_vessels_keep_their_identity_from_static_reports(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "maritime")
    ingest_file(store, shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"))
    named = [v for v in store.vessels(limit=20000) if v["identities"]]
    assert len(named) > 1000
    assert all(v["identities"][0]["first_seen"] <= v["identities"][-1]["last_seen"] for v in named)


def _lines() -> list[bytes]:
    return [line for line in shared_file(SAMPLE).read_bytes().split(b"\n") if line.startswith(b"!AIVDM,1,1")][:50]


def test_a_tcp_stream_is_ingested(tmp_path: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"\r\n".join(_lines()) + b"\r\n")
        server.close()

    thread = threading.Thread(target=serve)
    thread.start()
    result = ingest_stream(PositionStore(tmp_path / "m"), f"tcp://127.0.0.1:{port}", max_seconds=5)
    thread.join()
    assert result.counts.sentences == 50
    assert result.stored_positions > 0


def test_a_udp_stream_is_ingested(tmp_path: Path) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()

    listening = threading.Event()

    def send() -> None:
        assert listening.wait(10), "the UDP listener never bound its port"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            for line in _lines():
                out.sendto(line + b"\r\n", ("127.0.0.1", port))

    thread = threading.Thread(target=send)
    thread.start()
    result = ingest_stream(
        PositionStore(tmp_path / "m"), f"udp://127.0.0.1:{port}", max_seconds=1.5, on_open=listening.set
    )
    thread.join()
    assert result.counts.sentences == 50
    assert result.stored_positions > 0


class _Crash(Exception):
    pass


def test_an_interrupted_ingest_resumes_to_the_same_positions_as_one_run(tmp_path: Path) -> None:
    source = shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log")
    whole = PositionStore(tmp_path / "whole")
    ingest_file(whole, source, batch_lines=5000)
    resumed = PositionStore(tmp_path / "resumed")
    progress = {"calls": 0}

    def crash_after_three_batches(done: int, total: int) -> None:
        progress["calls"] += 1
        if progress["calls"] == 4:  # the first call reports the start; three batches are stored
            raise _Crash

    with pytest.raises(_Crash):
        ingest_file(resumed, source, batch_lines=5000, on_progress=crash_after_three_batches)
    result = ingest_file(resumed, source, batch_lines=5000)
    assert result.resumed_from_line == 15000
    query = "SELECT mmsi, ts, lat, lon FROM positions ORDER BY ALL"
    assert resumed.connect().execute(query).fetchall() == whole.connect().execute(query).fetchall()
    assert whole.count_positions() > 70_000


def test_a_batch_reads_only_the_files_its_times_may_overlap_and_still_finds_each_repeat(tmp_path: Path) -> None:
    from mitra.pillars.maritime.ais.ingest import AisIngestor
    from tests.pillars.maritime.ais.feed_support import START, position

    store = PositionStore(tmp_path / "maritime")
    early = [position(200_000_001, k, when=START + 10 * k) for k in range(5)]
    late = [position(200_000_001, k, when=START + 7200 + 10 * k) for k in range(5, 10)]
    for lines in (early, late):
        ingestor = AisIngestor(store, source="feed")
        ingestor.feed([line.encode() for line in lines], first_line=1)
        ingestor.finish()
    recorded = [entry for name, entry in store.manifest().items() if name.startswith("positions/")]
    assert sorted((e["ts_min"][11:19], e["ts_max"][11:19], e["ts_nulls"]) for e in recorded) == [
        ("05:46:40", "05:47:20", 0),
        ("07:47:30", "07:48:10", 0),
    ]
    low, high = datetime(2025, 12, 6, 7, 0), datetime(2025, 12, 6, 9, 0)
    with store.reading(datasets=("positions",), overlapping=(low, high)) as con:
        assert con.execute("SELECT count(*) FROM all_positions").fetchone() == (5,)  # the early file is not read

    again = AisIngestor(store, source="other")  # the same reports from another receiver, both hours
    again.feed([line.encode() for line in early + late], first_line=1)
    again.finish()
    assert (again.counts.report.added, again.counts.report.unchanged) == (0, 10)  # each one held already
