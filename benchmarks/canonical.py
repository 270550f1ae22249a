"""Canonical JSON (RFC 8785): Mitra's canonical_json vs the ``rfc8785`` reference, on ATT&CK and on floats.

Mitra writes with the standard library's C encoder where its output is already the JCS form (no floats,
no integer beyond 2**53, no member name beyond U+FFFF) and hands everything else to ``rfc8785``. Both
are run over the whole input in the same run, three times each, alternating, the medians reported; the texts
are asserted identical, object by object, every run.

Usage: python benchmarks/canonical.py
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import rfc8785

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average, median
from mitra.foundation.canonical import canonical_json

RUNS = 3
LOAD_START = load_average()
ATTACK = Path(__file__).resolve().parents[2] / "shared/data/intel/attack/enterprise-attack-18.1-stix21-derived.json"


def _rate(label: str, objects: list[Any]) -> float:
    mitra_runs, peer_runs = [], []
    for _ in range(RUNS):  # alternating, so neither side always runs on a warmer machine
        started = time.perf_counter()
        ours = [canonical_json(o) for o in objects]
        mitra_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference = [rfc8785.dumps(o).decode("utf-8") for o in objects]
        peer_runs.append(time.perf_counter() - started)
        differing = sum(a != b for a, b in zip(ours, reference, strict=True))
        assert differing == 0, f"{label}: {differing} objects canonicalised differently from rfc8785"
    mitra_seconds, peer_seconds = median(mitra_runs), median(peer_runs)
    mitra_rate, peer_rate = len(objects) / mitra_seconds, len(objects) / peer_seconds
    print(
        f"{label}: {len(objects):,} objects, identical texts every run; median of {RUNS}: mitra {mitra_seconds:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in mitra_runs)}), rfc8785 {peer_seconds:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in peer_runs)})"
    )
    print(
        f"RESULT name=canonical_{label} mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=objects/s "
        f"ratio={mitra_rate / peer_rate:.2f} load_start={LOAD_START} load_end={load_average()}"
    )
    return mitra_rate / peer_rate


def main() -> None:
    objects = json.loads(ATTACK.read_text(encoding="utf-8"))["objects"]
    _rate("attack", objects)
    # The other path: every object carries floats (positions, scores), so all of them go to rfc8785.
    rng = random.Random(7)
    positioned = [{**o, "x_mitra_latitude": rng.uniform(-90, 90), "x_mitra_speed": 12.0} for o in objects[:5000]]
    _rate("with_floats", positioned)


if __name__ == "__main__":
    main()
