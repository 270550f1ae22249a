"""Replay an AIS capture as a live feed (``mitra ais replay``): paced by its own times, with rewritten times.

Pacing: a line whose sentence carries a time (an NMEA 4 tag block ``c:``, or the epoch a USCG-style receiver
appends after the checksum, as the ingest reads them) is sent at the capture's own interval from the first
timed line, divided by ``speed``; a line without one goes with the timed line before it. A capture with no
time at all is sent at a steady ``rate`` lines a second (default :data:`DEFAULT_RATE`), times ``speed``.

Rewritten times: every time in the capture is shifted by one offset, so that its first message is "now"
(the moment the replay starts), and each loop of ``--loop`` is shifted on by the capture's length: the
shipped samples give a picture dated now. With ``stamp`` (the default) a line without a time is given a
tag block ``c:`` of its rewritten capture time, so that the receiver dates it so and not by an old
base-station clock in the capture. Times are shifted, never stretched: at ``speed`` above 1 the messages are
dated ahead of the clock by (speed - 1) times the replay's running time, and the vessels keep their real speeds.
"""

from __future__ import annotations

import gzip
import math
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mitra.foundation.errors import InvalidInput

DEFAULT_RATE = 100.0  # lines a second, at speed 1, of a capture that carries no time
_CLIENT_QUEUE = 10_000  # lines a slow TCP client may fall behind before it is dropped
_TIME_MIN, _TIME_MAX = 315_532_800.0, 4_102_444_800.0  # the ingest's plausible times (1980 to 2100)


@dataclass(frozen=True)
class ReplayLine:
    """One line to send: ``at`` seconds after the replay's start (already divided by speed), its bytes."""

    at: float
    text: bytes


def parse_speed(text: str) -> float:
    """``10x``, ``10`` or ``0.5x`` -> 10.0 / 0.5; anything else is an error that says what to give."""
    value = text.strip().lower().removesuffix("x")
    try:
        speed = float(value)
    except ValueError:
        raise InvalidInput(f"--speed {text!r}: give a factor such as 1x, 10x or 0.5x") from None
    if not (math.isfinite(speed) and speed > 0):
        raise InvalidInput(f"--speed {text!r}: the factor is more than 0")
    return speed


def _checksum(body: bytes) -> bytes:
    value = 0
    for byte in body:
        value ^= byte
    return f"{value:02X}".encode()


def _tag_block(line: bytes) -> tuple[bytes, bytes] | None:
    """(tag block body without its checksum, the sentence after it) of a line that starts with one."""
    if not line.startswith(b"\\"):
        return None
    close = line.find(b"\\", 1)
    if close < 0:
        return None
    return line[1:close].split(b"*", 1)[0], line[close + 1 :]


def _plausible(value: float) -> bool:
    return math.isfinite(value) and _TIME_MIN <= value < _TIME_MAX


def line_time(line: bytes) -> float | None:
    """The time a line carries (UNIX seconds), as the ingest reads it: tag block ``c:``, else a trailing epoch."""
    tagged = _tag_block(line)
    if tagged is not None:
        for item in tagged[0].split(b","):
            if item[:2] == b"c:":
                try:
                    value = float(item[2:])
                except ValueError:
                    return None
                value = value / 1000.0 if value > 1e11 else value
                return value if _plausible(value) else None
        sentence = tagged[1]
    else:
        sentence = line
    star = sentence.find(b"*")
    if sentence.startswith(b"!") and star >= 0:
        for item in sentence[star:].split(b",")[1:]:
            if len(item) == 10 and item.isdigit():
                return float(item)
    return None


def rewrite_time(line: bytes, when: float, *, stamp: bool) -> bytes:
    """The line with its time set to ``when``: ``c:`` (its unit kept) and ``T:`` of its tag block, a trailing
    epoch; a line without a time gets a tag block ``c:`` when ``stamp`` (other lines are left as they are)."""
    tagged = _tag_block(line)
    if tagged is not None:
        items = []
        for item in tagged[0].split(b","):
            if item[:2] == b"c:":
                items.append(b"c:" + str(round(when * 1000) if _millis(item[2:]) else int(when)).encode())
            elif item[:2] == b"T:":
                items.append(b"T:" + datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H.%M.%S").encode())
            else:
                items.append(item)
        body = b",".join(items)
        rest = tagged[1]
        rewritten = b"\\" + body + b"*" + _checksum(body) + b"\\" + _rewrite_trailing(rest, when)
        if b"c:" not in body and stamp and rest.startswith(b"!"):
            body = b"c:" + str(int(when)).encode() + b"," + body
            rewritten = b"\\" + body + b"*" + _checksum(body) + b"\\" + rest
        return rewritten
    trailing = _rewrite_trailing(line, when)
    if trailing != line:
        return trailing
    if stamp and line.startswith(b"!"):
        body = b"c:" + str(int(when)).encode()
        return b"\\" + body + b"*" + _checksum(body) + b"\\" + line
    return line


def _millis(value: bytes) -> bool:
    """Whether a tag block's ``c:`` counts milliseconds (the ingest reads a value past 1e11 so)."""
    try:
        return float(value) > 1e11
    except ValueError:
        return False


def _rewrite_trailing(sentence: bytes, when: float) -> bytes:
    star = sentence.find(b"*")
    if not sentence.startswith(b"!") or star < 0:
        return sentence
    head, tail = sentence[:star], sentence[star:].split(b",")
    for index, item in enumerate(tail[1:], start=1):
        if len(item) == 10 and item.isdigit():
            tail[index] = str(int(when)).encode()
            return head + b",".join(tail)
    return sentence


def plan_replay(
    lines: Iterable[bytes],
    *,
    speed: float = 1.0,
    rate: float = DEFAULT_RATE,
    start: float,
    stamp: bool = True,
) -> tuple[list[ReplayLine], float]:
    """Every line with when to send it and its rewritten text; and the capture's length in seconds.

    ``start``: the UNIX time the capture's first message is rewritten to. Blank lines are not sent.
    """
    kept = [line.rstrip(b"\r") for line in lines if line.strip()]
    times = [line_time(line) for line in kept]
    known = [t for t in times if t is not None]
    plan: list[ReplayLine] = []
    if not known:
        for index, line in enumerate(kept):
            offset = index / rate
            plan.append(ReplayLine(offset / speed, rewrite_time(line, start + offset, stamp=stamp)))
        return plan, len(kept) / rate
    first = known[0]
    offset = 0.0
    for line, seen in zip(kept, times, strict=True):
        if seen is not None:
            offset = max(offset, seen - first)  # a capture time that goes back is sent at once, not waited for
            when = start + (seen - first)
        else:
            when = start + offset
        plan.append(ReplayLine(offset / speed, rewrite_time(line, when, stamp=stamp)))
    return plan, offset + 1.0  # the capture's span, and a second before the next loop's first message


def read_capture(path: Path) -> list[bytes]:
    """The lines of a capture (plain or gzip); a missing or unreadable file is an error naming it."""
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc})") from exc
    lines = [line for line in data.split(b"\n") if line.strip()]
    if not lines:
        raise InvalidInput(f"{path}: empty: nothing to replay")
    return lines


class TcpFanout:
    """A TCP server that sends every line to each client connected (any number), each through its own queue.

    A client that falls :data:`_CLIENT_QUEUE` lines behind is dropped (a live feed does not wait for one).
    """

    def __init__(self, host: str, port: int) -> None:
        self._server = socket.create_server((host, port), reuse_port=False)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._clients: list[queue.Queue[bytes | None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.clients_served = 0
        self.clients_dropped = 0
        self._thread = threading.Thread(target=self._accept, name="ais-replay-accept", daemon=True)
        self._thread.start()

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            lines: queue.Queue[bytes | None] = queue.Queue(_CLIENT_QUEUE)
            with self._lock:
                self._clients.append(lines)
                self.clients_served += 1
            threading.Thread(target=self._send, args=(conn, lines), daemon=True).start()

    def _send(self, conn: socket.socket, lines: queue.Queue[bytes | None]) -> None:
        try:
            while (line := lines.get()) is not None:
                conn.sendall(line)
        except OSError:
            pass  # the client went away: it is dropped below
        finally:
            with self._lock:
                if lines in self._clients:
                    self._clients.remove(lines)
            conn.close()

    def send(self, data: bytes) -> None:
        with self._lock:
            clients = list(self._clients)
        for lines in clients:
            try:
                lines.put_nowait(data)
            except queue.Full:
                with self._lock:
                    if lines in self._clients:
                        self._clients.remove(lines)
                        self.clients_dropped += 1
                lines.queue.clear()
                lines.put_nowait(None)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        with self._lock:
            clients, self._clients = self._clients, []
        for lines in clients:
            lines.put(None)


class UdpSender:
    """Sends lines as datagrams to ``host:port``, several lines to a datagram, each datagram whole sentences."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._target = (host, port)

    def send(self, data: bytes) -> None:
        for start in range(0, len(data), 1400):  # within one Ethernet frame, cut at a line end
            end = data.rfind(b"\n", start, start + 1400) + 1 if len(data) - start > 1400 else len(data)
            if end <= start:
                end = min(len(data), start + 1400)
            self._sock.sendto(data[start:end], self._target)
            if end >= len(data):
                return

    def close(self) -> None:
        self._sock.close()


Sink = TcpFanout | UdpSender


def replay_lines(
    plan: list[ReplayLine],
    sinks: list[Sink],
    *,
    stop: threading.Event,
    clock: Callable[[], float] = time.monotonic,
    on_sent: Callable[[int], None] | None = None,
) -> int:
    """Send the plan's lines at their times (the lines due together in one write); how many were sent."""
    began = clock()
    sent = 0
    index = 0
    while index < len(plan) and not stop.is_set():
        due = plan[index].at - (clock() - began)
        if due > 0:
            stop.wait(min(due, 0.5))
            continue
        now = clock() - began
        end = index
        while end < len(plan) and plan[end].at <= now and end - index < 1000:
            end += 1
        data = b"".join(line.text + b"\r\n" for line in plan[index:end])
        for sink in sinks:
            sink.send(data)
        sent += end - index
        index = end
        if on_sent:
            on_sent(sent)
    return sent


def loops(
    lines: list[bytes], *, speed: float, rate: float, stamp: bool, repeat: bool, start: float | None = None
) -> Iterator[list[ReplayLine]]:
    """The capture's plan, once or (``repeat``) for ever, each loop's times shifted on by the capture's length."""
    at = time.time() if start is None else start
    while True:
        plan, span = plan_replay(lines, speed=speed, rate=rate, start=at, stamp=stamp)
        yield plan
        if not repeat:
            return
        at += span
