"""Sync: N objects (default 100,000) from an India node to a Malaysia node, and release-to-visible latency.

Throughput: Mitra's full pull (fetch, verify signature, validate, check policy, store, audit)
vs ``taxii2-client`` reading the same pages without keeping anything (the transport floor),
both against the same India server in its own process, in the same run.
Latency: both nodes served, notify-then-pull on; an object created over India's REST API,
polled over Malaysia's until visible; p50 and p95 of 20 releases. Goal p95 <= 5 s.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sqlalchemy import select

from _support import Bearer, free_port, indicators, load_average, median, p95, python, start
from mitra.bootstrap import open_node
from mitra.core import identity
from mitra.core.objects import Provenance, StixObject
from mitra.core.stix import HandlingInput, apply_handling
from mitra.exchange.models import Partner
from mitra.exchange.partners import pair
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.transport import HttpTransport
from mitra.foundation.canonical import canonical_json
from mitra.node import Node
from mitra.policy import Role
from mitra.settings import load_settings

RUNS = 3


def env_for(node: Node, port: int, interval: float) -> dict[str, str]:
    s = node.settings
    return {
        "MITRA_NATION": s.nation,
        "MITRA_AGENCIES": ",".join(s.agencies),
        "MITRA_DATA_DIR": str(s.data_dir),
        "MITRA_DATABASE_URL": "",
        "MITRA_BIND": f"127.0.0.1:{port}",
        "MITRA_SYNC_INTERVAL_SECONDS": str(interval),
    }


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        ports = {"IND": free_port(), "MYS": free_port()}
        nodes = {
            n: open_node(
                load_settings(
                    nation=n, agencies="NSCS" if n == "IND" else "NSC", data_dir=tmp / n.lower(), database_url=""
                )
            )
            for n in ports
        }
        for node in nodes.values():
            node.init()
        pair(
            nodes["IND"],
            nodes["MYS"],
            a_url=f"http://127.0.0.1:{ports['IND']}",
            b_url=f"http://127.0.0.1:{ports['MYS']}",
        )
        handling = HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",))
        objects = indicators(count)
        with nodes["IND"].db.write() as session:
            for at in range(0, count, 5000):
                chunk = [apply_handling(o, handling) for o in objects[at : at + 5000]]
                nodes["IND"].store.store_versions(session, chunk, provenance=Provenance(), audit_actor="bench")
        tokens = {}
        for nation, agency in (("IND", "NSCS"), ("MYS", "NSC")):
            with nodes[nation].db.write() as session:
                identity.add_user(
                    session,
                    username="bench",
                    nation=nation,
                    agency=agency,
                    roles=frozenset({Role.ANALYST, Role.RELEASE_OFFICER}),  # creates released objects
                    password=None,
                )
                tokens[nation] = identity.create_token(session, username="bench", name="bench")
        with nodes["MYS"].db.read() as session:
            partner = session.get(Partner, "IND")
            assert partner is not None
            ind_root, ind_token = partner.api_root_url, partner.token or ""
        nodes["IND"].close()

        ind = start(
            [python(), "-m", "mitra.cli", "serve"],
            env_for(nodes["IND"], ports["IND"], 0),
            f"http://127.0.0.1:{ports['IND']}/login",
            tmp / "ind.log",
        )
        mys_dir = Path(nodes["MYS"].settings.data_dir)
        nodes["MYS"].close()
        pristine = tmp / "mys-before-pull"
        shutil.copytree(mys_dir, pristine)  # Malaysia before its first pull: each run starts from it
        load_start = load_average()
        try:
            from taxii2client.v21 import Collection, as_pages

            collection = Collection(f"{ind_root}collections/{partner.collection_id}/", auth=Bearer(ind_token))
            peer_runs, mitra_runs = [], []
            served: set[str] = set()
            for run in range(RUNS):  # alternating, so neither side always runs on a warmer machine
                begin = time.perf_counter()
                pages = list(as_pages(collection.get_objects, per_request=1000))
                peer_runs.append(time.perf_counter() - begin)
                if run == 0:  # the objects, and Mitra's type definitions (which Malaysia holds already, as published)
                    served = {canonical_json(o) for env in pages for o in env.get("objects", [])}
                    definitions = {canonical_json(d) for d in nodes["IND"].registry.extension_definitions()}
                    assert definitions <= served, "the definitions were not served"
                    served -= definitions
                    assert len(served) == count, len(served)

                shutil.rmtree(mys_dir)
                shutil.copytree(pristine, mys_dir)
                mys = open_node(nodes["MYS"].settings)
                transport = HttpTransport(ind_root, token=ind_token, timeout=600)
                begin = time.perf_counter()
                report = pull_from_partner(mys, "IND", transport, page_size=1000)
                mitra_runs.append(time.perf_counter() - begin)
                transport.close()
                assert report.received.received == count, report
                if run == 0:  # the whole input: Malaysia stored exactly what India served, object for object
                    with mys.db.read() as session:
                        stored = set(session.scalars(select(StixObject.body).where(StixObject.received_from == "IND")))
                    assert stored == served, f"{len(stored ^ served)} objects differ"
                mys.close()
            peer_seconds, mitra_seconds = median(peer_runs), median(mitra_runs)
        finally:
            ind.terminate()
            ind.wait()
        load_end = load_average()

        # Latency: both served, notify-then-pull, scheduled rounds far apart.
        ind = start(
            [python(), "-m", "mitra.cli", "serve"],
            env_for(nodes["IND"], ports["IND"], 3600),
            f"http://127.0.0.1:{ports['IND']}/login",
            tmp / "ind2.log",
        )
        mys = start(
            [python(), "-m", "mitra.cli", "serve"],
            env_for(nodes["MYS"], ports["MYS"], 3600),
            f"http://127.0.0.1:{ports['MYS']}/login",
            tmp / "mys.log",
        )
        latencies = []
        try:
            for i in range(20):
                body = {
                    "object": {
                        "type": "indicator",
                        "name": f"latency {i}",
                        "pattern_type": "stix",
                        "valid_from": "2025-01-07T00:00:00Z",
                        "pattern": f"[ipv4-addr:value = '45.83.66.{i}']",
                    },
                    "handling": {"tlp": "green", "releasable_to": ["MYS"]},
                }
                begin = time.perf_counter()
                created = requests.post(
                    f"http://127.0.0.1:{ports['IND']}/api/v1/objects",
                    json=body,
                    timeout=30,
                    headers={"Authorization": f"Bearer {tokens['IND']}"},
                )
                created.raise_for_status()
                object_id = created.json()["id"]
                while True:
                    seen = requests.get(
                        f"http://127.0.0.1:{ports['MYS']}/api/v1/objects/{object_id}",
                        timeout=30,
                        headers={"Authorization": f"Bearer {tokens['MYS']}"},
                    )
                    if seen.status_code == 200:
                        break
                    if time.perf_counter() - begin > 60:
                        raise RuntimeError(f"object {object_id} not visible at MYS after 60 s")
                    time.sleep(0.02)
                latencies.append(time.perf_counter() - begin)
        finally:
            ind.terminate()
            mys.terminate()

    mitra_rate, peer_rate = count / mitra_seconds, count / peer_seconds
    print(f"{count:,} objects IND -> MYS over HTTP on loopback, pages of 1,000; median of {RUNS} runs each")
    print(f"load average at start {load_start}, at end {load_end}")
    print(
        f"taxii2-client read only (no checks, nothing kept): {peer_seconds:.1f} s ({peer_rate:,.0f} objects/s); "
        f"runs {', '.join(f'{t:.1f}' for t in peer_runs)} s"
    )
    print(
        f"mitra pull (signature + STIX validation + policy + store + audit): {mitra_seconds:.1f} s "
        f"({mitra_rate:,.0f} objects/s); runs {', '.join(f'{t:.1f}' for t in mitra_runs)} s; "
        "Malaysia's stored bodies equal India's served objects, all of them"
    )
    print(
        f"release -> visible at partner (notify-then-pull), 20 releases: p50 {median(latencies):.2f} s, "
        f"p95 {p95(latencies):.2f} s, max {max(latencies):.2f} s"
    )
    print(
        f"RESULT name=sync_pull mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=objects/s "
        f"ratio={mitra_rate / peer_rate:.3f} load_start={load_start} load_end={load_end}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
