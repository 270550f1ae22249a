"""What the feed and replay tests share: constructed sentences, a real TCP sender, waiting on a service."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyais import encode_dict

from mitra.pillars.maritime.ais.feed import FeedHealth, FeedService
from mitra.pillars.maritime.ais.store import PositionStore

REPORT = "mmsi, ts, lat, lon, sog, cog, heading, status, msg_type"  # a position report itself
START = 1_765_000_000  # 2025-12-06T05:46:40Z


def tag(sentence: str, when: float) -> str:
    """The sentence behind an NMEA 4 tag block carrying ``c:when``."""
    body = f"c:{int(when)}"
    check = 0
    for char in body:
        check ^= ord(char)
    return f"\\{body}*{check:02X}\\{sentence}"


def position(mmsi: int, k: int, *, when: float | None = None) -> str:
    """Vessel ``mmsi``'s ``k``-th report (a step east), tagged with its time unless ``when`` is None."""
    lat, lon = 1.2 + mmsi % 7 * 0.01, 103.5 + k * 0.001
    sentence = encode_dict({"type": 1, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": 10.0}, talker_id="AI")[0]
    return sentence if when is None else tag(sentence, when)


def capture(vessels: int, reports: int, *, start: float = START) -> list[str]:
    """``vessels`` vessels with ``reports`` reports each, one every 10 s, in time order, tagged."""
    return [position(200_000_000 + v, k, when=start + 10 * k) for k in range(reports) for v in range(vessels)]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll until ``check`` holds; fail, saying ``what`` was awaited, if it never does."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def health(service: FeedService, name: str) -> FeedHealth:
    return next(h for h in service.health() if h.name == name)


def stored(store: PositionStore, dataset: str = "positions") -> list[tuple[Any, ...]]:
    """Every report of the dataset held (with repeats), sorted: the comparison of two stores."""
    if dataset != "positions":
        from mitra.pillars.maritime.ais.store import report_columns

        columns = ", ".join(report_columns(dataset))
    else:
        columns = REPORT
    with store.reading() as con:
        return con.execute(f"SELECT {columns} FROM all_{dataset} ORDER BY ALL").fetchall()


class TcpSender:
    """A TCP server that sends each client what the test hands it, and can drop a client mid-sentence."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._conn: socket.socket | None = None
        self._ready = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self._ready:
                self._conn = conn
                self.accepted += 1
                self._ready.notify_all()

    def wait_client(self, number: int) -> None:
        with self._ready:
            if not self._ready.wait_for(lambda: self.accepted >= number, timeout=30):
                raise AssertionError(f"client {number} never connected")

    def send(self, data: bytes) -> None:
        assert self._conn is not None
        self._conn.sendall(data)

    def drop(self) -> None:
        assert self._conn is not None
        self._conn.close()
        self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self.server.close()


def write_lines(path: Path, lines: list[str], mode: str = "w") -> None:
    with path.open(mode, encoding="ascii", newline="") as handle:
        handle.write("".join(line + "\r\n" for line in lines))
