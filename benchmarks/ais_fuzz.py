"""AIS: fuzz Mitra's NMEA framing and decoder with random and mutated real sentences; report crashes and rate.

Peer: none (a robustness figure); the RESULT line reports crashes as mitra and 0 as the target.
Usage: python benchmarks/ais_fuzz.py [INPUTS]   (default 1,000,000)
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average
from mitra.pillars.maritime.ais.decode import decode_buffer
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, IngestCounts, frame_lines

SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/maritime/ais_nmea/pyais_nmea_data_sample.txt"


def main() -> None:
    load_start = load_average()
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(20250107)
    real = [line.rstrip(b"\r") for line in SAMPLE.read_bytes().split(b"\n") if line.startswith(b"!")]
    alphabet = b"!$\\*,0123456789ABCDEFabcdef:;<=>?@`wVDMIO\x00\xff "
    crashes, done, batch = 0, 0, 10_000
    started = time.perf_counter()
    while done < total:
        lines: list[bytes] = []
        for _ in range(min(batch, total - done)):
            if rng.random() < 0.3:
                lines.append(bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 90))))
                continue
            line = bytearray(rng.choice(real))
            for _ in range(rng.randint(1, 4)):
                op = rng.random()
                at = rng.randrange(len(line)) if line else 0
                if op < 0.5 and line:
                    line[at] = rng.randrange(256)
                elif op < 0.75:
                    del line[at:]
                else:
                    line[at:at] = bytes([rng.choice(alphabet)])
            lines.append(bytes(line).replace(b"\n", b""))
        try:
            counts = IngestCounts()
            assembler = FragmentAssembler()
            framed = frame_lines(lines, first_line=done + 1, assembler=assembler, counts=counts)
            assembler.flush(counts)
            decode_buffer(*framed.combined()[:4])
        except Exception as exc:
            crashes += 1
            print(f"crash in batch at input {done + 1}: {exc!r}")
        done += len(lines)
    rate = done / (time.perf_counter() - started)
    print(f"inputs: {done:,}; crashes: {crashes}; {rate:,.0f} inputs/s")
    verdict = "1.00" if crashes == 0 else "inf"
    print(
        f"RESULT name=ais_fuzz mitra={crashes} peer=0 unit=crashes ratio={verdict} "
        f"load_start={load_start} load_end={load_average()}"
    )


if __name__ == "__main__":
    main()
