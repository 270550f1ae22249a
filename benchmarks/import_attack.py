"""Import ATT&CK Enterprise (24,771 objects) into SQLite vs ``stix2.parse`` alone, same file, same run.

    .venv/bin/python benchmarks/import_attack.py [OBJECTS]   (default: all of them)

Mitra's figure is the whole import as ``mitra import`` makes it (another producer's bundle, kept as
published): validate + store + index + audit, committed, and then the first search that finds an
imported object (so "imported and searchable"). The peer is ``stix2.parse`` of every object. Each side
runs three times, alternating which goes first, each Mitra run into a new node; the medians are the figures.

Then every stored body is compared with what ``stix2`` produced for the same object (its ``serialize()``,
or the dict it hands back for a type it does not know): they must be the same object. Two differences are
``stix2``'s spelling, not another object, and are counted rather than failed: ``stix2`` leaves out
``revoked: false`` (its default), and it writes a timestamp such as ``first_seen`` without the
milliseconds the producer wrote (``...04:00:00.000Z`` as ``...04:00:00Z``, the same instant); Mitra keeps
the producer's text, so its bodies must also equal the input, byte for byte as canonical JSON.
Goals: Mitra's rate >= 50% of stix2.parse's (issue 2); the whole bundle imported and searchable in
<= 10 s (issue 4).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import stix2
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average, median
from mitra.bootstrap import open_node
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.foundation.canonical import canonical_json
from mitra.policy import Actor, Role
from mitra.settings import load_settings

BUNDLE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared/data/intel/attack/enterprise-attack-18.1-stix21-derived.json"
)
RUNS = 3


def parse_all(objects: list[dict[str, Any]]) -> list[Any]:
    return [stix2.parse(obj, allow_custom=True, version="2.1") for obj in objects]


def import_all(objects: list[dict[str, Any]], tmp: Path) -> tuple[float, dict[tuple[str, str], str]]:
    """One import into a new node: (seconds to imported and found, stored body by (id, modified))."""
    node = open_node(load_settings(nation="IND", agencies="CERT-In", data_dir=tmp, database_url=""))
    node.init()
    actor = Actor("IND", "CERT-In", "bench", frozenset({Role.ANALYST}))
    wanted = {o["id"] for o in objects}
    start = time.perf_counter()
    with node.db.write() as session:
        report = node.store.import_objects(
            session,
            objects,
            actor=actor,
            default_handling=HandlingInput("clear", "IND", "CERT-In"),
            where=BUNDLE.name,
            as_published=True,
        )
    with node.db.read() as session:
        found, _ = node.store.search(session, actor=actor, text="sidewinder", types=["intrusion-set"])
    seconds = time.perf_counter() - start
    with node.db.read() as session:
        bodies = {}
        for body in session.scalars(select(StixObject.body)):
            obj = json.loads(body)
            if obj["id"] in wanted:
                bodies[(obj["id"], obj.get("modified") or obj["created"])] = body
    node.close()
    assert report.added == len(objects), report
    assert found or len(objects) < 24_771, "imported objects are not searchable"
    return seconds, bodies


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def differences(stored: dict[str, Any], produced: dict[str, Any], spelling: Counter[str]) -> list[str]:
    """Properties where the stored body and stix2's object differ; stix2's mere spellings go to ``spelling``."""
    wrong = []
    for key in sorted(set(stored) | set(produced)):
        mine, theirs = stored.get(key), produced.get(key)
        if mine == theirs:
            continue
        if key == "revoked" and mine is False and key not in produced:
            spelling["revoked: false left out by stix2 (its default)"] += 1
        elif (a := _instant(mine)) is not None and a == _instant(theirs):
            spelling[f"{key}: the same instant, written without the producer's milliseconds"] += 1
        else:
            wrong.append(f"{key}: stored {mine!r}, stix2 {theirs!r}")
    return wrong


def main(count: int | None) -> None:
    objects = json.loads(BUNDLE.read_text(encoding="utf-8"))["objects"][:count]
    count = len(objects)
    load_start = load_average()
    peer_runs, mitra_runs = [], []
    produced: list[Any] = []
    bodies: dict[tuple[str, str], str] = {}
    for run in range(RUNS):  # alternating, so neither side always runs on a warmer machine
        for side in ("peer", "mitra") if run % 2 == 0 else ("mitra", "peer"):
            if side == "peer":
                start = time.perf_counter()
                produced = parse_all(objects)
                peer_runs.append(time.perf_counter() - start)
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    seconds, bodies = import_all(objects, Path(tmp))
                mitra_runs.append(seconds)
    load_end = load_average()

    # The whole input: each stored body is the object stix2 produced, and the producer's text as published.
    spelling: Counter[str] = Counter()
    wrong: list[str] = []
    for obj, parsed in zip(objects, produced, strict=True):
        body = bodies.get((obj["id"], obj.get("modified") or obj["created"]))
        if body is None:
            wrong.append(f"{obj['id']}: not stored")
            continue
        if body != canonical_json(obj):
            wrong.append(f"{obj['id']}: stored body is not the object as published")
        theirs = parsed if isinstance(parsed, dict) else json.loads(parsed.serialize())
        wrong += [f"{obj['id']} {d}" for d in differences(json.loads(body), theirs, spelling)]
    assert not wrong, f"{len(wrong)} differences, first: {wrong[:5]}"
    as_dicts = sum(isinstance(p, dict) for p in produced)

    peer_seconds, mitra_seconds = median(peer_runs), median(mitra_runs)
    mitra_rate, peer_rate = count / mitra_seconds, count / peer_seconds
    print(f"objects: {count:,}; median of {RUNS} runs each, alternating; load average at start {load_start}")
    print(
        f"stix2.parse alone: {peer_seconds:.2f} s ({peer_rate:,.0f} objects/s); "
        f"runs {', '.join(f'{t:.2f}' for t in peer_runs)} s"
    )
    print(
        f"mitra import as published (validate+store+index+audit) and a search that finds it: {mitra_seconds:.2f} s "
        f"({mitra_rate:,.0f} objects/s); runs {', '.join(f'{t:.2f}' for t in mitra_runs)} s; "
        f"goal <= 10 s: {'met' if mitra_seconds <= 10 else 'NOT met'}"
    )
    print(
        f"stored bodies: all {count:,} equal the input as published and the object stix2 produced "
        f"({as_dicts:,} of types stix2 does not model: it hands back the input, so these are compared with the input "
        "only); stix2's spellings: " + ("; ".join(f"{name} {n:,}" for name, n in sorted(spelling.items())) or "none")
    )
    print(f"load average at end {load_end}")
    print(
        f"RESULT name=import_attack mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=objects/s "
        f"ratio={mitra_rate / peer_rate:.3f} load_start={load_start} load_end={load_end}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
