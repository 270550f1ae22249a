"""AIS: streaming detection (positions fed batch by batch, as a live feed gives them) vs the batch detectors.

    .venv/bin/python benchmarks/ais_stream.py [POSITIONS] [BATCH]   (defaults 300,000 and 10,000)

Positions: those of ``benchmarks/ais_detect.py`` (the GFW gpsdio-segment tracks replicated, each copy a
new MMSI shifted in time and place, one in 40 with a twin 222 m north). Both sides run the detectors the
stream runs (all eight: gap, loitering, encounter, close rendezvous, impossible jump, area, speed band, port
visit) with the default areas of interest and the shipped ports.

Batch: ``EventDetector`` over the DuckDB table, from its sort of the positions to its events in Python.
Stream: ``StreamDetector`` fed the same positions in time order, BATCH rows at a time (Arrow slices), to
its events at the end. Both must give the same events, field by field (loitering's means to 1e-9 and its
rounded means to 0.0011: the two add the same doubles in other orders). Three runs a side, alternating;
the medians are the figures. The ratio is the stream's rate over the batch's: the price of having every
event as the positions arrive, with bounded memory, instead of once over everything.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average, median
from ais_detect import PORTS, build
from mitra.pillars.maritime.ais.detect import DetectedEvent, EventDetector
from mitra.pillars.maritime.ais.sameness import differences
from mitra.pillars.maritime.ais.stream import STREAMED, PortGrid, StreamDetector
from mitra.pillars.maritime.areas import default_areas

RUNS = 3


def check_same(stream: list[DetectedEvent], batch: list[DetectedEvent]) -> int:
    """Assert the same events, field by field (:func:`~mitra.pillars.maritime.ais.sameness.differences`); how many."""
    assert len(stream) == len(batch), f"the stream gave {len(stream):,} events, the batch {len(batch):,}"
    said = differences(stream, batch)
    assert not said, f"{len(said)} differences, e.g. {said[:3]}"
    return len(stream)


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    con = duckdb.connect()
    count = build(con, wanted)
    areas = default_areas()
    ports = PortGrid.from_dir(PORTS)
    feed: pa.Table = (
        con.cursor().sql("SELECT mmsi, ts, lat, lon, sog FROM positions ORDER BY ts, mmsi").to_arrow_table()
    )
    vessels = con.execute("SELECT count(DISTINCT mmsi) FROM positions").fetchone()[0]  # type: ignore[index]
    load_start = load_average()
    print(f"positions: {count:,} ({vessels:,} vessels); stream batches of {size:,}; detectors: {', '.join(STREAMED)}")
    print(f"load average at start {load_start}; median of {RUNS} runs a side, alternating")

    held = (0, 0)
    evicted = 0

    def run_stream() -> list[DetectedEvent]:
        nonlocal held, evicted
        stream = StreamDetector(areas=areas, ports=ports)
        biggest = (0, 0)
        for at in range(0, feed.num_rows, size):
            changes = stream.feed(feed.slice(at, size))
            assert changes.too_late == 0
            assert not changes.rejected
            biggest = max(biggest, stream.state_size(), key=lambda s: s[1])
        held, evicted = biggest, stream.evicted
        assert not stream.inexact, f"vessels over the cap: {sorted(stream.inexact)[:5]}"
        return stream.events()

    def run_batch() -> list[DetectedEvent]:
        return EventDetector(con, ports_dir=PORTS, areas=areas).run(STREAMED)

    stream_runs: list[float] = []
    batch_runs: list[float] = []
    streamed: list[DetectedEvent] = []
    batched: list[DetectedEvent] = []
    for run in range(RUNS):
        for side in ("stream", "batch") if run % 2 == 0 else ("batch", "stream"):
            started = time.perf_counter()
            if side == "stream":
                streamed = run_stream()
                stream_runs.append(time.perf_counter() - started)
            else:
                batched = run_batch()
                batch_runs.append(time.perf_counter() - started)
    events = check_same(streamed, batched)
    kinds: dict[str, int] = {}
    for event in batched:
        kinds[event.event_type] = kinds.get(event.event_type, 0) + 1
    stream_rate, batch_rate = count / median(stream_runs), count / median(batch_runs)
    load_end = load_average()
    print(f"same {events:,} events ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})")
    print(
        f"stream {median(stream_runs):.2f} s (runs {', '.join(f'{t:.2f}' for t in stream_runs)}), "
        f"batch {median(batch_runs):.2f} s (runs {', '.join(f'{t:.2f}' for t in batch_runs)})"
    )
    print(f"stream state at its largest: {held[0]:,} vessels, {held[1]:,} positions held; {evicted:,} evicted")
    print(f"load average at end {load_end}")
    print(
        f"RESULT name=ais_stream mitra={stream_rate:.0f} peer={batch_rate:.0f} unit=positions/s "
        f"ratio={stream_rate / batch_rate:.2f} peer_is=mitra_batch_detectors_duckdb batch_rows={size} "
        f"held_positions={held[1]} load_start={load_start} load_end={load_end}"
    )


if __name__ == "__main__":
    main()
