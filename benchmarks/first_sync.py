"""A first sync of N objects (default 1,000,000) India -> Malaysia, with Malaysia's memory sampled throughout.

Mitra's full pull (fetch, verify every signature, validate, decide, store, audit) from an India server in its
own process, pages of 1,000, against ``taxii2-client`` reading the same pages and keeping nothing, in the same
run. Malaysia's heap (resident anonymous memory) is sampled every second of its pull: the goal is flat memory
(what a pull holds is one page and the next, whatever the size of the partner's collection); the whole input is checked
at the end (every object India served is stored at Malaysia, once, with the bytes India served).

Three runs a side, alternating, the median; the machine's load is printed at start and end.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sqlalchemy import func, select

from _support import Bearer, free_port, indicators, load_average, median, python, start
from mitra.bootstrap import open_node
from mitra.core.objects import Provenance, StixObject
from mitra.core.stix import HandlingInput, apply_handling
from mitra.exchange.models import Partner
from mitra.exchange.partners import pair
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.transport import HttpTransport
from mitra.foundation.canonical import canonical_json
from mitra.node import Node
from mitra.settings import load_settings
from sync import env_for

SLICE = 20_000
RUNS = 3


def resident_mb(kind: str = "RssAnon") -> float:
    """This process's resident memory of one kind: ``RssAnon`` is its heap (what a leak grows), ``RssFile`` the
    file pages it maps (SQLite's memory-mapped database: the kernel's to drop), ``VmRSS`` both."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    """Resident memory of this process, once a second, with the number of objects stored by then."""

    def __init__(self, stored: Callable[[], int]) -> None:
        super().__init__(daemon=True)
        self.stored, self.done = stored, threading.Event()
        self.samples: list[tuple[int, float]] = []  # (versions stored, heap MB)
        self.mapped: list[float] = []  # file pages mapped, MB

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.samples.append((self.stored(), resident_mb()))
            self.mapped.append(resident_mb("RssFile"))


class Digest:
    """An order-free digest of a set of bodies (the XOR of their SHA-256s) and their count, kept as they pass."""

    def __init__(self) -> None:
        self.total, self.count = 0, 0

    def add(self, body: str) -> None:
        self.total ^= int.from_bytes(hashlib.sha256(body.encode("utf-8")).digest(), "big")
        self.count += 1


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        port = free_port()
        nodes = {
            n: open_node(
                load_settings(
                    nation=n, agencies="NSCS" if n == "IND" else "NSC", data_dir=tmp / n.lower(), database_url=""
                )
            )
            for n in ("IND", "MYS")
        }
        for node in nodes.values():
            node.init()
        pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{port}", b_url="http://127.0.0.1:1")
        handling = HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",))
        print(f"making {count:,} objects at India...", flush=True)
        for at in range(0, count, SLICE):
            chunk = [apply_handling(o, handling) for o in indicators(min(SLICE, count - at), start=at)]
            with nodes["IND"].db.write() as session:
                nodes["IND"].store.store_versions(session, chunk, provenance=Provenance(), audit_actor="bench")
        with nodes["MYS"].db.read() as session:
            partner = session.get(Partner, "IND")
            assert partner is not None
            root, token = partner.api_root_url, partner.token or ""
            collection_id = partner.collection_id
        definitions = {canonical_json(d) for d in nodes["IND"].registry.extension_definitions()}
        nodes["IND"].close()
        server = start(
            [python(), "-m", "mitra.cli", "serve"],
            env_for(nodes["IND"], port, 3600),
            f"http://127.0.0.1:{port}/login",
            tmp / "ind.log",
        )
        load_start = load_average()
        try:
            from taxii2client.v21 import Collection, as_pages

            collection = Collection(f"{root}collections/{collection_id}/", auth=Bearer(token))
            mys_dir = Path(nodes["MYS"].settings.data_dir)
            nodes["MYS"].close()
            pristine = tmp / "mys-before-pull"
            shutil.copytree(mys_dir, pristine)  # Malaysia before its first sync: each run starts from it
            peer_runs, mitra_runs, growths = [], [], []
            for run in range(RUNS):  # alternating, so neither side always runs on a warmer machine
                begin = time.perf_counter()
                served, served_count = Digest(), 0
                for envelope in as_pages(collection.get_objects, per_request=1000):
                    for obj in envelope.get("objects", []):
                        text = canonical_json(obj)
                        if text not in definitions:
                            served.add(text)
                    served_count += len(envelope.get("objects", []))
                peer_runs.append(time.perf_counter() - begin)
                assert served.count == count, served.count

                shutil.rmtree(mys_dir)
                shutil.copytree(pristine, mys_dir)
                mys = open_node(nodes["MYS"].settings)
                with mys.db.read() as session:
                    first = int(session.scalar(select(func.max(StixObject.seq))) or 0)

                def stored(mys: Node = mys, first: int = first) -> int:  # versions written since the pull began
                    with mys.db.read() as session:
                        return int(session.scalar(select(func.max(StixObject.seq))) or 0) - first

                sampler = Sampler(stored)
                rss_before = resident_mb()
                sampler.start()
                transport = HttpTransport(root, token=token, timeout=600)
                begin = time.perf_counter()
                report = pull_from_partner(mys, "IND", transport, page_size=1000)
                mitra_runs.append(time.perf_counter() - begin)
                sampler.done.set()
                sampler.join()
                transport.close()
                assert report.received.received == count, report
                held = Digest()
                with mys.db.read() as session:
                    query = select(StixObject.body).where(StixObject.received_from == "IND")
                    for body in session.scalars(query.execution_options(yield_per=5000)):
                        held.add(body)
                mys.close()
                assert held.count == count, held.count
                assert held.total == served.total, "Malaysia's bodies differ from India's"
                tenth = [mb for n, mb in sampler.samples if n >= count // 10]
                growths.append((max(tenth) - tenth[0]) if tenth else float("nan"))
                print(f"run {run + 1}: peer {peer_runs[-1]:.1f} s, mitra {mitra_runs[-1]:.1f} s", flush=True)
        finally:
            server.terminate()
            server.wait()
        load_end = load_average()

    samples, mapped = sampler.samples, sampler.mapped  # the last run's
    growth = max(growths)
    peer_seconds, mitra_seconds = median(peer_runs), median(mitra_runs)
    mitra_rate, peer_rate = count / mitra_seconds, count / peer_seconds
    print(f"{count:,} objects IND -> MYS, first sync over HTTP on loopback, pages of 1,000; median of {RUNS} runs each")
    print(f"load average at start {load_start}, at end {load_end}")
    print(
        f"taxii2-client read only: {peer_seconds:.1f} s ({peer_rate:,.0f} objects/s), {served_count:,} served; "
        f"runs {', '.join(f'{t:.1f}' for t in peer_runs)} s"
    )
    print(
        f"mitra first sync: {mitra_seconds:.1f} s ({mitra_rate:,.0f} objects/s); runs "
        f"{', '.join(f'{t:.1f}' for t in mitra_runs)} s; every object stored once, with India's bytes (digest of "
        "the whole set), every run"
    )
    highest = max((mb for _, mb in samples), default=float("nan"))
    marks = [samples[int(len(samples) * f)] for f in (0.1, 0.25, 0.5, 0.75) if samples] + samples[-1:]
    print(
        f"Malaysia's heap (resident, anonymous): {rss_before:.0f} MB before; "
        + ", ".join(f"{mb:.0f} MB at {n:,}" for n, mb in marks)
        + f"; max {highest:.0f} MB (last run); growth after the first tenth, the most of any run, {growth:.0f} MB; "
        + f"file pages mapped (SQLite's memory map, at most 256 MB a connection) up to {max(mapped, default=0):.0f} MB"
    )
    print(
        f"RESULT name=first_sync mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=objects/s "
        f"ratio={mitra_rate / peer_rate:.3f} objects={count} rss_growth_mb={growth:.0f} "
        f"load_start={load_start} load_end={load_end}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
