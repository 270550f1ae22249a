"""``mitra ais feed`` (the standalone feed worker) and ``mitra ais replay`` from the command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mitra.cli import app
from mitra.pillars.maritime.ais.replay import line_time
from mitra.pillars.maritime.ais.store import PositionStore
from tests.pillars.maritime.ais.feed_support import capture, stored, wait_for, write_lines

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[4]


def test_the_feed_worker_stores_a_followed_file_and_stops_cleanly_on_ctrl_c(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "ais.log"
    write_lines(log, capture(3, 4))
    checkpoint = Path(env["MITRA_DATA_DIR"]) / "maritime" / "feeds" / "log.json"
    worker = subprocess.Popen(
        [sys.executable, "-m", "mitra.cli", "ais", "feed", "--source", f"log=file://{log}"],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(
            lambda: checkpoint.exists() and json.loads(checkpoint.read_text())["offset"] == log.stat().st_size,
            "the file stored",
            timeout=120,  # a cold start: imports, the ports grid, the areas, the stored positions taken up
        )
    finally:
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err.decode()
    assert "stopping: each source stores what it has read and checkpoints" in out.decode()
    assert "stopped" in out.decode()
    assert len(stored(PositionStore(Path(env["MITRA_DATA_DIR"]) / "maritime"))) == 12


def test_the_feed_worker_needs_a_source_and_says_what_a_bad_one_lacks(env: dict[str, str]) -> None:
    none = runner.invoke(app, ["ais", "feed"], env=env)
    assert none.exit_code == 1
    assert "no AIS source: give --source NAME=URL or set MITRA_AIS_FEEDS" in none.output
    shapeless = runner.invoke(app, ["ais", "feed", "--source", "tcp://x:1"], env=env)
    assert "give NAME=URL" in shapeless.output
    bad = runner.invoke(app, ["ais", "feed", "--source", "gpsd=tcp://x"], env=env)
    assert bad.exit_code == 1
    assert "feed 'gpsd': 'tcp://x' is not tcp://HOST:PORT" in bad.output


def test_replay_sends_a_capture_to_a_udp_address_with_times_rewritten_to_now(tmp_path: Path) -> None:
    capture_file = tmp_path / "old.nmea"
    write_lines(capture_file, capture(2, 2, start=1_300_000_000))  # 2011
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(10)
        port = listener.getsockname()[1]
        result = runner.invoke(
            app, ["ais", "replay", str(capture_file), "--speed", "1000x", "--udp", f"127.0.0.1:{port}"]
        )
        assert result.exit_code == 0, result.output
        assert "loop 1: 4 lines sent" in result.output
        received = b""
        while received.count(b"\n") < 4:
            received += listener.recv(65536)
    times = [line_time(line) for line in received.split(b"\r\n") if line]
    assert times[0] is not None
    assert times[0] > 1_700_000_000  # now, not 2011
    assert [t - times[0] for t in times if t is not None] == [0, 0, 10, 10]


def test_replay_without_a_destination_or_with_a_bad_speed_is_refused(tmp_path: Path) -> None:
    capture_file = tmp_path / "c.nmea"
    write_lines(capture_file, capture(1, 1))
    nowhere = runner.invoke(app, ["ais", "replay", str(capture_file)])
    assert nowhere.exit_code == 1
    assert "give --tcp PORT or --udp HOST:PORT" in nowhere.output
    slow = runner.invoke(app, ["ais", "replay", str(capture_file), "--speed", "fast", "--udp", "127.0.0.1:9"])
    assert "--speed 'fast': give a factor such as 1x, 10x or 0.5x" in slow.output
    missing = runner.invoke(app, ["ais", "replay", str(tmp_path / "nope.nmea"), "--udp", "127.0.0.1:9"])
    assert "cannot read" in missing.output
