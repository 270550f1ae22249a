"""AIS: Mitra's file -> decoded -> stored (Parquet) rate vs pyais FileReaderStream + decode (decode only).

Usage: python benchmarks/ais_decode.py [SENTENCES]   (default 1,000,000: the AISHub sample replicated)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from pyais.stream import FileReaderStream

from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore

SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    body = [line for line in SAMPLE.read_bytes().split(b"\n") if line.startswith(b"!")]
    copies = max(1, -(-wanted // len(body)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "replicated.nmea"
        path.write_bytes(b"\n".join(body * copies) + b"\n")
        sentences = len(body) * copies
        started = time.perf_counter()
        result = ingest_file(PositionStore(Path(tmp) / "maritime"), path)
        mitra_seconds = time.perf_counter() - started
        mitra_rate = result.counts.messages / mitra_seconds
        started = time.perf_counter()
        decoded = 0
        for message in FileReaderStream(str(path)):
            try:
                message.decode()
                decoded += 1
            except Exception:
                continue
        peer_seconds = time.perf_counter() - started
        peer_rate = decoded / peer_seconds
    print(f"sentences: {sentences:,}")
    print(
        f"mitra: {result.counts.messages:,} messages decoded, {result.stored_positions:,} positions stored "
        f"(+{result.duplicates:,} duplicates dropped) in {mitra_seconds:.2f} s"
    )
    print(f"pyais: {decoded:,} messages decoded (not stored) in {peer_seconds:.2f} s")
    print(
        f"RESULT name=ais_decode mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=msgs/s "
        f"ratio={mitra_rate / peer_rate:.2f}"
    )


if __name__ == "__main__":
    main()
