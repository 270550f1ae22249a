"""``mitra ais replay``: a capture served as a live feed, paced by its own times, its times rewritten to now."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.ais.feed import FeedOptions, FeedService, parse_source
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, IngestCounts, frame_lines
from mitra.pillars.maritime.ais.replay import (
    DEFAULT_RATE,
    TcpFanout,
    line_time,
    loops,
    parse_speed,
    plan_replay,
    read_capture,
    replay_lines,
    rewrite_time,
)
from mitra.pillars.maritime.ais.store import PositionStore
from tests.conftest import shared_file
from tests.pillars.maritime.ais.feed_support import health, position, stored, tag, wait_for

TAGGED = "maritime/ais_nmea/libais_tagblock.nmea"
NOW = 1_800_000_000.0


def _framed_times(lines: list[bytes]) -> list[float]:
    """The times the ingest reads from the lines (one per message, in order), and no line rejected."""
    counts = IngestCounts()
    framed = frame_lines(lines, first_line=1, assembler=FragmentAssembler(), counts=counts)
    assert not counts.report.rejected, counts.report.rejected  # checksums of rewritten tag blocks hold
    return [float(t) for t in framed.combined()[5]]


def test_tag_block_times_are_shifted_so_the_first_message_is_now_and_paced_by_speed() -> None:
    lines = read_capture(shared_file(TAGGED))
    original = [line_time(line) for line in lines]
    plan, _ = plan_replay(lines, speed=10, start=NOW)
    rewritten = [line_time(item.text) for item in plan]
    first = original[0]
    assert first is not None
    assert rewritten == [NOW + (t - first) if t is not None else None for t in original]
    # Sent in capture order, never earlier than the line before; at the capture's pace divided by 10.
    assert [item.at for item in plan] == sorted(item.at for item in plan)
    assert plan[1].at == pytest.approx((original[1] - first) / 10)  # type: ignore[operator]
    # What the ingest reads: four messages (the two-part one at its parts' time), every checksum good.
    assert sorted(_framed_times([item.text for item in plan])) == sorted({t for t in rewritten if t is not None})


def test_a_capture_without_times_goes_at_the_steady_rate_and_each_line_is_stamped_with_its_time() -> None:
    lines = [position(205_000_000 + k, 0).encode() for k in range(5)]
    plan, span = plan_replay(lines, speed=2, start=NOW)
    assert [item.at for item in plan] == [k / DEFAULT_RATE / 2 for k in range(5)]
    assert [item.text.split(b"\\")[2] for item in plan] == lines  # the sentence itself unchanged
    assert _framed_times([item.text for item in plan]) == [float(int(NOW + k / DEFAULT_RATE)) for k in range(5)]
    assert span == 5 / DEFAULT_RATE
    unstamped, _ = plan_replay(lines, start=NOW, stamp=False)
    assert [item.text for item in unstamped] == lines


def test_each_loop_is_dated_on_by_the_capture_length() -> None:
    lines = [tag(position(206_000_001, k), 1_700_000_000 + 60 * k).encode() for k in range(3)]
    replayed = loops(lines, speed=1, rate=DEFAULT_RATE, stamp=True, repeat=True, start=NOW)
    first, second = next(replayed), next(replayed)
    assert [line_time(i.text) for i in first] == [NOW, NOW + 60, NOW + 120]
    assert [line_time(i.text) for i in second] == [NOW + 121, NOW + 181, NOW + 241]


def test_a_trailing_receiver_time_is_rewritten_too() -> None:
    line = position(207_000_001, 0).encode() + b",r003669945,1332808000"
    assert line_time(line) == 1_332_808_000
    assert line_time(rewrite_time(line, NOW, stamp=True)) == NOW


@given(st.binary(max_size=120), st.floats(min_value=400_000_000, max_value=4_000_000_000))
def test_rewriting_any_line_gives_the_new_time_or_leaves_a_line_that_carries_none(line: bytes, when: float) -> None:
    rewritten = rewrite_time(line, when, stamp=True)
    seen = line_time(rewritten)
    if seen is not None:
        assert abs(seen - when) < 1.0 or seen == float(int(when))
    elif line_time(line) is None and line.startswith(b"!"):
        raise AssertionError(f"an AIS line was not stamped: {rewritten!r}")


@pytest.mark.parametrize(("text", "factor"), [("10x", 10.0), ("1", 1.0), ("0.5X", 0.5)])
def test_speed_is_a_factor(text: str, factor: float) -> None:
    assert parse_speed(text) == factor


@pytest.mark.parametrize("text", ["fast", "0x", "-2x", "nanx", "infx"])
def test_a_bad_speed_is_refused_saying_what_to_give(text: str) -> None:
    with pytest.raises(InvalidInput, match="--speed"):
        parse_speed(text)


def test_an_empty_capture_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.nmea").write_text("\n\n", encoding="ascii")
    with pytest.raises(InvalidInput, match="nothing to replay"):
        read_capture(tmp_path / "empty.nmea")


def test_a_replay_serves_several_tcp_clients_and_feeds_the_service_a_picture_dated_now(tmp_path: Path) -> None:
    lines = [position(208_000_000 + k % 3, k).encode() for k in range(30)]  # no times of their own
    plan, _ = plan_replay(lines, speed=100, start=NOW)
    server = TcpFanout("127.0.0.1", 0)
    store = PositionStore(tmp_path / "store")
    service = FeedService(
        store, [parse_source("replay", f"tcp://127.0.0.1:{server.port}")], options=FeedOptions(batch_seconds=0.2)
    )
    other = socket.create_connection(("127.0.0.1", server.port))
    service.start()
    try:
        wait_for(lambda: server.clients == 2, "both clients connected")
        sent = replay_lines(plan, [server], stop=threading.Event())
        assert sent == 30
        wait_for(lambda: health(service, "replay").stored == 30, "the replay stored")
        received = b""
        other.settimeout(10)
        while received.count(b"\n") < 30:
            received += other.recv(65536)
    finally:
        service.stop()
        server.close()
        other.close()
    assert received.split(b"\r\n")[:30] == [item.text for item in plan]
    times = sorted({row[1].timestamp() for row in stored(store)})
    assert times[0] == NOW  # dated by the replay's rewritten times, not by when they arrived
    assert times[-1] == float(int(NOW + 29 / DEFAULT_RATE))
