"""TAXII paging: the same 5,000 objects served by Mitra and by medallion (memory backend), same run.

Measures the first page of 100 with ``match[type]`` and the full paged read (pages of 100),
both servers in their own processes on loopback, read by the same client. Then Mitra alone
at 100,000 objects: p95 of pages across the collection, and the full paged export rate.
Goals (issue 3): any page < 200 ms p95 at 100,000 objects; full export >= 5,000 objects/s.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import free_port, indicators, load_average, median, p95, python, read_all, read_objects, start, timed
from mitra.bootstrap import open_node
from mitra.core.objects import Provenance
from mitra.core.stix import HANDLING_EXTENSION_ID, HandlingInput, apply_handling
from mitra.exchange.taxii import read_collection_id
from mitra.foundation.canonical import canonical_json
from mitra.policy import Role
from mitra.settings import load_settings

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
RUNS = 3


def mitra_server(tmp: Path, objects: list[dict[str, Any]]) -> tuple[Any, str, dict[str, str]]:
    settings = load_settings(nation="IND", agencies="NSCS", data_dir=tmp / "ind", database_url="")
    node = open_node(settings)
    node.init()
    handling = HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",))
    with node.db.write() as session:
        for start_at in range(0, len(objects), 5000):
            chunk = [apply_handling(o, handling) for o in objects[start_at : start_at + 5000]]
            node.store.store_versions(session, chunk, provenance=Provenance(), audit_actor="bench", handlings=None)
    from mitra.core import identity

    with node.db.write() as session:
        identity.add_user(
            session, username="partner-mys", nation="MYS", agency=None, roles=frozenset({Role.PARTNER}), password=None
        )
        token = identity.create_token(session, username="partner-mys", name="bench")
    node.close()
    port = free_port()
    env = {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS",
        "MITRA_DATA_DIR": str(tmp / "ind"),
        "MITRA_DATABASE_URL": "",
        "MITRA_BIND": f"127.0.0.1:{port}",
    }
    headers = {"Authorization": f"Bearer {token}"}
    url = f"http://127.0.0.1:{port}/taxii2/ind/collections/{read_collection_id('IND', 'MYS')}/objects/"
    process = start(
        [python(), "-m", "mitra.cli", "serve"],
        env,
        f"http://127.0.0.1:{port}/taxii2/",
        tmp / "mitra.log",
        headers=headers,
    )
    return process, url, headers


def medallion_server(tmp: Path, objects: list[dict[str, Any]]) -> tuple[Any, str, tuple[str, str]]:
    port = free_port()
    root = f"http://127.0.0.1:{port}/trustgroup1/"
    manifest = [
        {
            "id": o["id"],
            "date_added": "2025-01-01T00:00:00.000000Z",
            "version": o["modified"],
            "media_type": "application/stix+json;version=2.1",
        }
        for o in objects
    ]
    data = {
        "/discovery": {"title": "medallion", "default": root, "api_roots": [root]},
        "trustgroup1": {
            "information": {
                "title": "bench",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }
    (tmp / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(tmp / "data.json"),
        },
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": 100},
    }
    (tmp / "config.json").write_text(json.dumps(config))
    auth = ("bench", "bench-password")
    process = start(
        [python(), "-m", "medallion.scripts.run", "--host", "127.0.0.1", "--port", str(port), str(tmp / "config.json")],
        {},
        root,
        tmp / "medallion.log",
        auth=auth,
    )
    return process, f"{root}collections/{COLLECTION}/objects/", auth


def first_page(url: str, *, headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None) -> None:
    response = requests.get(
        url,
        params={"limit": "100", "match[type]": "indicator"},
        headers={"Accept": "application/taxii+json;version=2.1", **(headers or {})},
        timeout=600,
        auth=auth,
    )
    response.raise_for_status()
    assert len(response.json()["objects"]) == 100


def as_published(obj: dict[str, Any]) -> dict[str, Any]:
    """A served object without what this node wrote into it (its handling and TLP marking)."""
    plain = {k: v for k, v in obj.items() if k not in ("extensions", "object_marking_refs")}
    extensions = {k: v for k, v in (obj.get("extensions") or {}).items() if k != HANDLING_EXTENSION_ID}
    return plain | ({"extensions": extensions} if extensions else {})


def check_served(served: list[dict[str, Any]], objects: list[dict[str, Any]], *, who: str) -> None:
    """Every object once, each as generated (Mitra's type definitions, which it serves too, counted out)."""
    kept = [o for o in served if o["type"] != "extension-definition"]
    assert len(kept) == len(objects), f"{who}: {len(kept)} served of {len(objects)}"
    want = {canonical_json(o) for o in objects}
    assert {canonical_json(as_published(o)) for o in kept} == want, f"{who}: served objects differ"


def main() -> None:
    load_start = load_average()
    objects = indicators(5000)
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        (tmp / "m").mkdir()
        (tmp / "p").mkdir()
        mitra, mitra_url, headers = mitra_server(tmp / "m", objects)
        peer, peer_url, auth = medallion_server(tmp / "p", [dict(o) for o in objects])
        try:
            mitra_first = timed(lambda: first_page(mitra_url, headers=headers), 20)
            peer_first = timed(lambda: first_page(peer_url, auth=auth), 1)  # ~2 min a call: see BENCHMARKS.md
            mitra_runs = []
            for _ in range(RUNS):
                begin = time.perf_counter()
                served = read_objects(mitra_url, {"limit": "100"}, headers=headers)
                mitra_runs.append(time.perf_counter() - begin)
            check_served(served, objects, who="mitra")
            begin = time.perf_counter()
            peer_served = read_objects(peer_url, {"limit": "100"}, auth=auth)  # once: minutes a read
            peer_full = time.perf_counter() - begin
            check_served(peer_served, objects, who="medallion")
        finally:
            mitra.terminate()
            peer.terminate()
    mitra_full = median(mitra_runs)
    print("5,000 objects, pages of 100, same client, loopback; both servers' objects equal the input, all of them")
    print(
        f"first page (match[type]=indicator): mitra p50 {median(mitra_first) * 1000:.1f} ms, "
        f"p95 {p95(mitra_first) * 1000:.1f} ms; medallion p50 {median(peer_first) * 1000:.1f} ms"
    )
    print(
        f"full paged read: mitra {mitra_full:.2f} s ({5000 / mitra_full:,.0f} objects/s; median of {RUNS}: "
        f"{', '.join(f'{t:.2f}' for t in mitra_runs)}); "
        f"medallion {peer_full:.2f} s ({5000 / peer_full:,.0f} objects/s, one read)"
    )

    big = indicators(100_000)
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        mitra, url, headers = mitra_server(tmp, big)
        try:
            session = requests.Session()
            runs: list[float] = []
            page_times: list[float] = []
            for run in range(RUNS):
                nxt, read = None, []
                begin = time.perf_counter()
                while True:
                    params = {"limit": "100"}
                    if nxt:
                        params["next"] = nxt
                    t0 = time.perf_counter()
                    response = session.get(
                        url,
                        params=params,
                        timeout=600,
                        headers={"Accept": "application/taxii+json;version=2.1", **headers},
                    )
                    page_times.append(time.perf_counter() - t0)
                    body = response.json()
                    read.extend(body["objects"])
                    if not body["more"]:
                        break
                    nxt = body["next"]
                runs.append(time.perf_counter() - begin)
                if run == 0:
                    check_served(read, big, who="mitra, 100,000")
            export_seconds = median(runs)
            begin = time.perf_counter()
            exported_1000 = read_all(url, {"limit": "1000"}, headers=headers)
            export_1000_seconds = time.perf_counter() - begin
        finally:
            mitra.terminate()
    load_end = load_average()
    rate_100 = len(read) / export_seconds
    print(
        f"100,000 objects: {len(page_times)} pages over {RUNS} reads, p50 {median(page_times) * 1000:.1f} ms, "
        f"p95 {p95(page_times) * 1000:.1f} ms, max {max(page_times) * 1000:.1f} ms; full export "
        f"{export_seconds:.1f} s ({rate_100:,.0f} objects/s; median of {', '.join(f'{t:.1f}' for t in runs)} s) "
        f"in pages of 100, every object as generated; "
        f"{export_1000_seconds:.1f} s ({exported_1000 / export_1000_seconds:,.0f} objects/s) in pages of 1,000"
    )
    print(f"load average at start {load_start}, at end {load_end}")
    mitra_ms, peer_ms = median(mitra_first) * 1000, median(peer_first) * 1000
    print(
        f"RESULT name=taxii_first_page mitra={mitra_ms:.1f} peer={peer_ms:.1f} unit=ms ratio={mitra_ms / peer_ms:.4f} "
        f"load_start={load_start} load_end={load_end}"
    )
    print(
        f"RESULT name=taxii_paged_read mitra={5000 / mitra_full:.0f} peer={5000 / peer_full:.0f} unit=objects/s "
        f"ratio={peer_full / mitra_full:.1f} peer_is=medallion"
    )
    print(f"RESULT name=taxii_export_pages_of_100 mitra={rate_100:.0f} unit=objects/s goal=5000")


if __name__ == "__main__":
    main()
