"""The live AIS feed service against real sockets and files: batches stored, health kept, failures contained,
and a restart (of a killed worker, too) that loses and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.ais.feed import (
    MAX_LINE_BYTES,
    Backoff,
    FeedHealth,
    FeedOptions,
    FeedService,
    parse_source,
)
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import DATASETS, PositionStore
from mitra.settings import SettingsError, load_settings
from tests.conftest import shared_file
from tests.pillars.maritime.ais.feed_support import (
    START,
    TcpSender,
    capture,
    health,
    position,
    stored,
    wait_for,
    write_lines,
)

AISHUB = "maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"
QUICK = FeedOptions(batch_seconds=0.2, batch_lines=500, backoff_initial=0.05, backoff_cap=0.2)
ROOT = Path(__file__).resolve().parents[4]


def _service(store: PositionStore, sources: dict[str, str], **kwargs: Any) -> FeedService:
    return FeedService(store, [parse_source(n, u) for n, u in sources.items()], options=QUICK, **kwargs)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_tcp_source_stores_what_the_server_sends_and_hands_the_new_rows_to_the_hook(tmp_path: Path) -> None:
    sender = TcpSender()
    store = PositionStore(tmp_path / "store")
    handed: list[tuple[str, str, int]] = []
    service = _service(
        store, {"gpsd-1": f"tcp://127.0.0.1:{sender.port}"}, on_stored=lambda s, d, t: handed.append((s, d, t.num_rows))
    )
    service.start()
    try:
        sender.wait_client(1)
        sender.send("".join(line + "\r\n" for line in capture(3, 4)).encode())
        wait_for(lambda: health(service, "gpsd-1").stored == 12, "12 positions stored")
        h = health(service, "gpsd-1")
        assert h.state == "up"
        assert (h.messages, h.bad_lines, h.reconnects) == (12, 0, 0)
        assert h.lag_basis == "message time"  # the tag blocks' times
        assert h.newest_message_time is not None
        assert h.newest_message_time.timestamp() == START + 30
    finally:
        service.stop()
        sender.close()
    assert len(stored(store)) == 12
    assert sum(n for s, d, n in handed if s == "gpsd-1" and d == "positions") == 12
    assert health(service, "gpsd-1").state == "stopped"


def test_a_tcp_source_reconnects_after_the_server_drops_it_mid_sentence_and_counts_the_broken_part(
    tmp_path: Path,
) -> None:
    sender = TcpSender()
    store = PositionStore(tmp_path / "store")
    service = _service(store, {"gpsd-1": f"tcp://127.0.0.1:{sender.port}"})
    service.start()
    try:
        sender.wait_client(1)
        whole, cut = position(201_000_001, 0, when=START), position(201_000_001, 1, when=START + 10)
        sender.send((whole + "\r\n" + cut[: len(cut) // 2]).encode())
        wait_for(lambda: health(service, "gpsd-1").messages == 1, "the whole sentence read")
        sender.drop()
        sender.wait_client(2)  # backed off, then connected again
        sender.send((cut + "\r\n").encode())
        wait_for(lambda: health(service, "gpsd-1").stored == 2, "the re-sent sentence stored")
        h = health(service, "gpsd-1")
        assert h.reconnects == 1
        assert h.last_error == "the sender closed the connection"
        assert h.bad_lines == 1  # the half sentence the drop left
        assert h.bad_samples[0].text == cut[: len(cut) // 2]
    finally:
        service.stop()
        sender.close()
    assert len(stored(store)) == 2


def test_a_refused_source_backs_off_and_shows_why_while_a_udp_source_goes_on(tmp_path: Path) -> None:
    refused = socket.create_server(("127.0.0.1", 0))
    dead_port = refused.getsockname()[1]
    refused.close()  # nothing listens there any more
    port = _free_udp_port()
    store = PositionStore(tmp_path / "store")
    failures: list[FeedHealth] = []
    service = _service(
        store,
        {"dead": f"tcp://127.0.0.1:{dead_port}", "radio": f"udp://127.0.0.1:{port}"},
        on_failure=failures.append,
    )
    service.start()
    try:
        wait_for(lambda: health(service, "radio").state == "up", "the UDP port bound")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            for k in range(5):
                out.sendto((position(202_000_001, k, when=START + 10 * k) + "\r\n").encode(), ("127.0.0.1", port))
        wait_for(lambda: health(service, "radio").stored == 5, "5 datagrams stored")
        wait_for(lambda: health(service, "dead").reconnects >= 2, "the refused source retried")
        dead = health(service, "dead")
        assert dead.state in ("backing off", "connecting")
        assert "cannot connect" in dead.last_error
        assert dead.messages == 0
        assert {f.name for f in failures} == {"dead"}  # a health alert for the failing source only
        assert "cannot connect" in failures[0].last_error
    finally:
        service.stop()
    assert len(stored(store)) == 5


def test_garbage_and_a_flood_are_counted_and_the_other_source_is_unaffected(tmp_path: Path) -> None:
    noisy, clean = TcpSender(), TcpSender()
    store = PositionStore(tmp_path / "store")
    service = _service(store, {"noisy": f"tcp://127.0.0.1:{noisy.port}", "clean": f"tcp://127.0.0.1:{clean.port}"})
    service.start()
    try:
        noisy.wait_client(1)
        clean.wait_client(1)
        garbage = [
            "hello \x00\xff there",
            "!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*FF",
            "x" * (MAX_LINE_BYTES + 10),
        ]
        flood = capture(50, 40)  # 2,000 sentences at once, more than a batch
        noisy.send(("\r\n".join(garbage) + "\r\n" + "".join(s + "\r\n" for s in flood)).encode("latin-1"))
        clean.send("".join(s + "\r\n" for s in capture(2, 3, start=START + 5000)).encode())
        wait_for(lambda: health(service, "noisy").stored == 2000, "the flood stored")
        wait_for(lambda: health(service, "clean").stored == 6, "the clean source stored")
        bad = health(service, "noisy")
        assert bad.bad_lines == 3
        assert {b.reason for b in bad.bad_samples} == {
            "not NMEA 0183",
            "checksum",
            f"longer than {MAX_LINE_BYTES:,} bytes with no line end: cut",
        }
        ok = health(service, "clean")
        assert (ok.bad_lines, ok.reconnects, ok.state) == (0, 0, "up")
    finally:
        service.stop()
        noisy.close()
        clean.close()
    assert len(stored(store)) == 2006


def test_a_socket_source_that_re_sends_after_a_restart_stores_nothing_twice(tmp_path: Path) -> None:
    data = "".join(s + "\r\n" for s in capture(4, 5)).encode()
    store = PositionStore(tmp_path / "store")
    for run in (1, 2):
        sender = TcpSender()
        service = _service(store, {"gpsd-1": f"tcp://127.0.0.1:{sender.port}"})
        service.start()
        try:
            sender.wait_client(1)
            sender.send(data)
            wait_for(lambda s=service: health(s, "gpsd-1").messages == 20, f"run {run}: 20 messages read")
        finally:
            service.stop()
            sender.close()
        assert health(service, "gpsd-1").stored == (20 if run == 1 else 0)
    assert len(stored(store)) == 20


def test_a_followed_file_is_read_as_it_grows_and_through_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "ais.log"
    write_lines(log, capture(2, 2))
    store = PositionStore(tmp_path / "store")
    service = _service(store, {"log": f"file://{log}"})
    service.start()
    try:
        wait_for(lambda: health(service, "log").stored == 4, "the first lines")
        with log.open("a", encoding="ascii") as handle:  # grows, the last line without its end yet
            handle.write(
                position(203_000_001, 0, when=START + 100) + "\r\n" + position(203_000_001, 1, when=START + 110)
            )
        wait_for(lambda: health(service, "log").stored == 5, "the appended whole line")
        log.rename(tmp_path / "ais.log.1")  # rotated: the old file's unended last line is still a line
        write_lines(log, [position(203_000_002, 0, when=START + 200)])
        wait_for(lambda: health(service, "log").stored == 7, "the old file's last line and the new file")
        write_lines(log, [position(203_000_003, 0, when=START + 300)])  # truncated in place and written anew
        wait_for(lambda: health(service, "log").stored == 8, "the truncated file from its start")
        assert health(service, "log").bad_lines == 0
    finally:
        service.stop()
    assert len(stored(store)) == 8


def test_a_stopped_file_source_resumes_at_its_checkpoint_without_reading_a_line_again(tmp_path: Path) -> None:
    log = tmp_path / "ais.log"
    write_lines(log, capture(3, 3))
    store = PositionStore(tmp_path / "store")
    first = _service(store, {"log": f"file://{log}"})
    first.start()
    wait_for(lambda: health(first, "log").stored == 9, "the file read")
    first.stop()
    checkpoint = json.loads((store.root / "feeds" / "log.json").read_text(encoding="utf-8"))
    assert checkpoint["offset"] == log.stat().st_size
    assert checkpoint["line"] == 10
    write_lines(log, capture(3, 1, start=START + 1000), mode="a")
    second = _service(store, {"log": f"file://{log}"})
    second.start()
    try:
        wait_for(lambda: health(second, "log").stored == 3, "the appended lines")
        assert health(second, "log").lines == 3  # only what came after the checkpoint
    finally:
        second.stop()
    assert len(stored(store)) == 12


_WORKER = """
import sys, time
from pathlib import Path
from mitra.pillars.maritime.ais.feed import FeedOptions, FeedService, parse_source
from mitra.pillars.maritime.ais.store import PositionStore
store = PositionStore(Path(sys.argv[1]))
slow = lambda source, dataset, rows: time.sleep(0.02)  # so that the kill lands mid-file
options = FeedOptions(batch_seconds=0.2, batch_lines=100)
FeedService(store, [parse_source("log", "file://" + sys.argv[2])], options=options, on_stored=slow).start()
time.sleep(600)
"""


@pytest.mark.slow
def test_a_feed_worker_killed_mid_file_then_restarted_stores_exactly_what_a_one_shot_ingest_does(
    tmp_path: Path,
) -> None:
    lines = shared_file(AISHUB).read_bytes().split(b"\n")[:12_000]  # fragments, base-station clocks, repeats
    log = tmp_path / "aishub.log"
    log.write_bytes(b"\n".join(lines) + b"\n")
    store = PositionStore(tmp_path / "feed")
    checkpoint = store.root / "feeds" / "log.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    worker = subprocess.Popen([sys.executable, "-c", _WORKER, str(store.root), str(log)], env=env)
    try:
        wait_for(
            lambda: checkpoint.exists() and json.loads(checkpoint.read_text())["offset"] > 100_000,
            "the worker well into the file",
            timeout=60,
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    reached = json.loads(checkpoint.read_text())["offset"]
    assert 0 < reached < log.stat().st_size  # killed mid-file
    service = FeedService(store, [parse_source("log", f"file://{log}")], options=FeedOptions(batch_lines=1000))
    service.start()
    try:
        wait_for(lambda: json.loads(checkpoint.read_text())["offset"] == log.stat().st_size, "the rest read", 120)
    finally:
        service.stop()
    once = PositionStore(tmp_path / "once")
    ingest_file(once, log)
    for dataset in DATASETS:
        assert stored(store, dataset) == stored(once, dataset), dataset
    assert len(stored(store)) > 10_000


def test_backoff_doubles_up_to_its_cap_with_jitter_and_starts_again_after_a_success() -> None:
    backoff = Backoff(initial=1.0, cap=8.0)
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, base in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert base / 2 <= delay <= base
    backoff.reset()
    assert backoff.next_delay() <= 1.0


@given(st.text(max_size=40), st.text(max_size=80))
def test_a_source_is_either_parsed_or_refused_with_its_name_in_the_message(name: str, url: str) -> None:
    try:
        source = parse_source(name, url)
    except InvalidInput as exc:
        refused = str(exc)
    else:
        refused = ""
    if refused:
        assert repr(name) in refused
        return
    assert source.name == name
    assert source.kind in ("tcp", "udp", "file")
    if source.kind == "file":
        assert source.path is not None
        assert source.path.is_absolute()
    else:
        assert 0 < source.port < 65536
        assert source.host


def test_two_sources_of_one_name_are_refused(tmp_path: Path) -> None:
    source = parse_source("a", "udp://127.0.0.1:1")
    with pytest.raises(InvalidInput, match="given more than once"):
        FeedService(PositionStore(tmp_path), [source, source])


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ('{"gpsd-1": "http://x:1"}', "feed 'gpsd-1': 'http://x:1' is not tcp://HOST:PORT"),
        ('{"log": "file://relative/path"}', "feed 'log': 'file://relative/path': a followed file is file:///"),
        ('{"bad name": "udp://0.0.0.0:1"}', "feed name 'bad name'"),
        ('{"gpsd-1": "tcp://x:70000"}', "feed 'gpsd-1'"),
        ("gpsd-1=tcp://x:1", "not JSON"),
        ('["tcp://x:1"]', "a JSON object of names"),
    ],
)
def test_a_bad_feed_setting_stops_start_up_naming_the_setting_and_the_source(
    monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("MITRA_AIS_FEEDS", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("MITRA_AIS_FEEDS: ")
    assert said in str(caught.value)


def test_good_feed_settings_are_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITRA_AIS_FEEDS", '{"gpsd-1": "tcp://127.0.0.1:10110", "log": "file:///var/ais.log"}')
    assert load_settings().ais_feeds == {"gpsd-1": "tcp://127.0.0.1:10110", "log": "file:///var/ais.log"}
