"""Import ATT&CK Enterprise (24,771 objects) into SQLite vs ``stix2.parse`` alone, same file, same run.

Mitra's figure is the whole import: validate + store + index + audit, committed, and then
the first search that finds an imported object (so "imported and searchable").
Goals: Mitra's rate >= 50% of stix2.parse's (issue 2); the whole bundle imported and
searchable in <= 10 s (issue 4). Standard objects are accepted by Mitra's fast STIX check
where it can vouch for them and by stix2.parse otherwise (src/mitra/core/validation.py).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import stix2

from mitra.bootstrap import open_node
from mitra.core.stix import HandlingInput
from mitra.policy import Actor, Role
from mitra.settings import load_settings

BUNDLE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared/data/intel/attack/enterprise-attack-18.1-stix21-derived.json"
)


def main() -> None:
    objects = json.loads(BUNDLE.read_text(encoding="utf-8"))["objects"]
    count = len(objects)

    start = time.perf_counter()
    for obj in objects:
        stix2.parse(obj, allow_custom=True, version="2.1")
    peer_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        node = open_node(load_settings(nation="IND", agencies="CERT-In", data_dir=tmp, database_url=""))
        node.init()
        actor = Actor("IND", "CERT-In", "bench", frozenset({Role.ANALYST}))
        start = time.perf_counter()
        with node.db.write() as session:
            report = node.store.import_objects(
                session,
                objects,
                actor=actor,
                default_handling=HandlingInput("clear", "IND", "CERT-In"),
                where=BUNDLE.name,
            )
        with node.db.read() as session:
            found, _ = node.store.search(session, actor=actor, text="sidewinder", types=["intrusion-set"])
        mitra_seconds = time.perf_counter() - start
        node.close()
    assert report.added == count, report
    assert found, "imported objects are not searchable"

    mitra_rate, peer_rate = count / mitra_seconds, count / peer_seconds
    print(f"objects: {count}")
    print(f"stix2.parse alone: {peer_seconds:.2f} s ({peer_rate:,.0f} objects/s)")
    print(
        f"mitra import (validate+store+index+audit) and a search that finds it: {mitra_seconds:.2f} s "
        f"({mitra_rate:,.0f} objects/s); goal <= 10 s: {'met' if mitra_seconds <= 10 else 'NOT met'}"
    )
    print(
        f"RESULT name=import_attack mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=objects/s "
        f"ratio={mitra_rate / peer_rate:.3f}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
