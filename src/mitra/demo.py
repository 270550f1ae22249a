"""The main job: an India node and a Malaysia node on loopback, seeded, sharing under policy.

``run_demo`` starts both nodes (embedded SQLite), pairs them, records a scenario of objects
under different markings, syncs over TAXII 2.1 both ways, revokes one object and narrows
another, syncs again, and checks every outcome. Interactive, it then keeps both web UIs up
and pulls every few seconds; with ``check=True`` it stops and reports.
"""

from __future__ import annotations

import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from rich.table import Table
from sqlalchemy import select

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.console import console
from mitra.core import identity
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.models import Partner
from mitra.exchange.partners import pair
from mitra.exchange.retraction import acknowledgements, change_marking
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.transport import HttpTransport
from mitra.exchange.witness import check_witnesses, publish_head
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.policy import Role
from mitra.settings import Settings, load_settings

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # ../shared/data beside the checkout

DEMO_PEOPLE = {
    "IND": [
        ("asha", "NSCS", {Role.ANALYST}),
        ("rao", "NSCS", {Role.RELEASE_OFFICER, Role.ANALYST}),
        ("admin", "NSCS", {Role.ADMIN}),
        ("vik", "CERT-In", {Role.VIEWER}),
    ],
    "MYS": [
        ("aziz", "NSC", {Role.ANALYST}),
        ("siti", "NSC", {Role.RELEASE_OFFICER, Role.ANALYST}),
        ("admin", "NSC", {Role.ADMIN}),
        ("farah", "NACSA", {Role.VIEWER}),
    ],
}
DEMO_AGENCIES = {"IND": "NSCS,CERT-In", "MYS": "NSC,NACSA"}


@dataclass(frozen=True)
class DemoItem:
    """One scenario object and what must happen to it."""

    key: str
    nation: str
    name: str
    pattern: str
    tlp: str
    releasable: tuple[str, ...]
    expect: str  # "arrives", "withheld", "revoked", "narrowed"
    red: tuple[str, ...] = ()


SCENARIO = [
    DemoItem(
        "ind-green",
        "IND",
        "Phishing kit host targeting port community systems",
        "[domain-name:value = 'pcs-login.example']",
        "green",
        ("MYS",),
        "arrives",
    ),
    DemoItem(
        "ind-amber",
        "IND",
        "C2 of a campaign against Malacca shipping agents",
        "[ipv4-addr:value = '198.51.100.23']",
        "amber",
        ("MYS",),
        "arrives",
    ),
    DemoItem(
        "ind-red-named",
        "IND",
        "Handler address, for MYS NSC only",
        "[ipv4-addr:value = '192.0.2.45']",
        "red",
        ("MYS",),
        "arrives",
        ("MYS:NSC",),
    ),
    DemoItem(
        "ind-strict",
        "IND",
        "Source-sensitive C2 address",
        "[ipv4-addr:value = '203.0.113.77']",
        "amber+strict",
        ("MYS",),
        "withheld",
    ),
    DemoItem(
        "ind-local",
        "IND",
        "Domestic investigation lead",
        "[ipv4-addr:value = '198.51.100.99']",
        "amber",
        (),
        "withheld",
    ),
    DemoItem(
        "ind-red-unnamed",
        "IND",
        "RED with no Malaysian recipient named",
        "[ipv4-addr:value = '192.0.2.46']",
        "red",
        ("MYS",),
        "withheld",
    ),
    DemoItem(
        "ind-revoke",
        "IND",
        "Mistaken attribution, to be revoked",
        "[ipv4-addr:value = '198.51.100.150']",
        "green",
        ("MYS",),
        "revoked",
    ),
    DemoItem(
        "mys-green",
        "MYS",
        "Credential-phishing URL sent to ministry mailboxes",
        "[url:value = 'http://update-check.example/dl.exe']",
        "green",
        ("IND",),
        "arrives",
    ),
    DemoItem(
        "mys-amber",
        "MYS",
        "Mirror of a banned radicalising channel",
        "[domain-name:value = 'channel-mirror.example']",
        "amber",
        ("IND",),
        "arrives",
    ),
    DemoItem(
        "mys-local",
        "MYS",
        "Domestic surveillance target address",
        "[ipv4-addr:value = '203.0.113.200']",
        "amber",
        (),
        "withheld",
    ),
    DemoItem(
        "mys-narrow",
        "MYS",
        "Lead withdrawn for source protection",
        "[ipv4-addr:value = '203.0.113.201']",
        "amber",
        ("IND",),
        "narrowed",
    ),
]


def demo_settings(root: Path, nation: str, port: int) -> Settings:
    return load_settings(
        nation=nation,
        agencies=DEMO_AGENCIES[nation],
        data_dir=root / nation.lower(),
        database_url="",
        bind=f"127.0.0.1:{port}",
    )


@dataclass(frozen=True)
class DemoNode:
    node: Node
    password: str


def prepare(settings: Settings) -> DemoNode:
    """Initialise and seed a node; the demo people share one password kept in the data dir."""
    node = open_node(settings)
    node.init()
    node.seed()
    secret_file = settings.data_dir / "demo-password.txt"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(12) + "\n")
        secret_file.chmod(0o600)
    password = secret_file.read_text().strip()
    with node.db.write() as session:
        held = set(session.scalars(select(identity.User.username)))
        for username, agency, roles in DEMO_PEOPLE[settings.nation]:
            if username not in held:
                identity.add_user(
                    session,
                    username=username,
                    nation=settings.nation,
                    agency=agency,
                    roles=frozenset(roles),
                    password=password,
                    by="demo",
                )
    return DemoNode(node, password)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(node: Node, port: int) -> Iterator[str]:
    """Serve the node's app on a loopback port in a thread, for as long as the block runs."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(node.settings, node=node), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, name=f"serve-{node.nation}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {node.nation} node did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _author(node: Node) -> Any:
    username = DEMO_PEOPLE[node.nation][0][0]
    with node.db.read() as session:
        return identity.get_user(session, username).actor()


def record_scenario(nodes: dict[str, Node]) -> dict[str, str]:
    """Create each scenario object once (stable ids); return key -> object id."""
    ids = {}
    for nation, node in nodes.items():
        agency = DEMO_PEOPLE[nation][0][1]
        items = []
        for item in SCENARIO:
            if item.nation != nation:
                continue
            object_id = node.seed_id("indicator", f"demo:{item.key}")
            ids[item.key] = object_id
            handling = HandlingInput(
                tlp=item.tlp,
                originator_nation=nation,
                originator_agency=agency,
                releasable_to=item.releasable,
                orcon=True,
                red_recipients=item.red,
            )
            items.append(
                (
                    {
                        "type": "indicator",
                        "id": object_id,
                        "name": item.name,
                        "pattern": item.pattern,
                        "pattern_type": "stix",
                        "valid_from": "2025-01-07T00:00:00Z",
                        "indicator_types": ["malicious-activity"],
                    },
                    handling,
                )
            )
        node.seed_objects(items)
    return ids


def sync_round(nodes: dict[str, Node]) -> None:
    """Each node publishes its audit head, then pulls from the other over HTTP."""
    for node in nodes.values():
        with node.db.write() as session:
            publish_head(session, node)
    for node in nodes.values():
        with node.db.read() as session:
            partners = list(session.scalars(select(Partner)))
        for partner in partners:
            transport = HttpTransport(partner.api_root_url, token=partner.token)
            try:
                pull_from_partner(node, partner.nation, transport)
            finally:
                transport.close()


def act(nodes: dict[str, Node], ids: dict[str, str]) -> None:
    """The originators revoke one object and narrow another (once)."""
    for item in SCENARIO:
        node = nodes[item.nation]
        actor = _author(node)
        with node.db.write() as session:
            latest = node.store.latest_row(session, ids[item.key])
            if item.expect == "revoked" and not latest.revoked:
                node.store.revoke(session, object_id=ids[item.key], actor=actor)
            elif item.expect == "narrowed" and latest.releasable:
                change_marking(
                    session,
                    node=node,
                    object_id=ids[item.key],
                    actor=actor,
                    reason="source protection",
                    handling=HandlingInput(item.tlp, item.nation, actor.agency, releasable_to=(), orcon=True),
                )


@dataclass(frozen=True)
class Outcome:
    item: DemoItem
    observed: str
    ok: bool


def evaluate(nodes: dict[str, Node], ids: dict[str, str]) -> list[Outcome]:
    outcomes = []
    for item in SCENARIO:
        origin = nodes[item.nation]
        partner = next(n for nation, n in nodes.items() if nation != item.nation)
        with partner.db.read() as session:
            rows = list(session.scalars(select(StixObject).where(StixObject.id == ids[item.key])))
        with origin.db.read() as session:
            acks = [a["applied"] for a in acknowledgements(session, ids[item.key])]
        if not rows:
            observed = "withheld"
        elif all(r.withdrawn for r in rows):
            observed = "withdrawn" + (" + acknowledged" if "withdrawn" in acks else "")
        elif any(r.revoked for r in rows if r.is_latest):
            observed = "revoked" + (" + acknowledged" if "revoked" in acks else "")
        else:
            observed = "arrived"
        expected = {
            "arrives": "arrived",
            "withheld": "withheld",
            "revoked": "revoked + acknowledged",
            "narrowed": "withdrawn + acknowledged",
        }[item.expect]
        outcomes.append(Outcome(item, observed, observed == expected))
    return outcomes


def report(outcomes: list[Outcome], witnesses: dict[str, list[str]]) -> bool:
    table = Table(title="Mitra demo: India <-> Malaysia")
    for column in ("object", "from", "to", "marking", "expected", "observed", ""):
        table.add_column(column)
    for outcome in outcomes:
        item = outcome.item
        marking = f"TLP:{item.tlp.upper()}" + (f" to {','.join(item.releasable)}" if item.releasable else "")
        table.add_row(
            item.name,
            item.nation,
            "MYS" if item.nation == "IND" else "IND",
            marking,
            item.expect,
            outcome.observed,
            "[green]ok[/]" if outcome.ok else "[red]FAIL[/]",
        )
    console.print(table)
    for nation, lines in witnesses.items():
        for line in lines:
            console.print(f"audit witness at {nation}: {line}")
    witnessed = all(lines and all("matches" in line for line in lines) for lines in witnesses.values())
    return all(o.ok for o in outcomes) and witnessed


@dataclass(frozen=True)
class RunningDemo:
    nodes: dict[str, Node]
    urls: dict[str, str]
    passwords: dict[str, str]
    ids: dict[str, str]


@contextmanager
def demo_running(root: Path, port: int) -> Iterator[RunningDemo]:
    """Both nodes served, paired, the scenario played out and synced; stopped when the block ends."""
    ports = {"IND": port or free_port(), "MYS": port + 1 if port else free_port()}
    prepared = {nation: prepare(demo_settings(root, nation, ports[nation])) for nation in ("IND", "MYS")}
    nodes = {nation: p.node for nation, p in prepared.items()}
    urls = {nation: f"http://127.0.0.1:{ports[nation]}" for nation in nodes}
    pair(nodes["IND"], nodes["MYS"], a_url=urls["IND"], b_url=urls["MYS"])
    try:
        with serving(nodes["IND"], ports["IND"]), serving(nodes["MYS"], ports["MYS"]):
            ids = record_scenario(nodes)
            sync_round(nodes)
            act(nodes, ids)
            for _ in range(3):  # retraction out, acknowledgement back, witness back
                sync_round(nodes)
            yield RunningDemo(nodes, urls, {n: p.password for n, p in prepared.items()}, ids)
    finally:
        for node in nodes.values():
            node.close()


class Interrupts:
    """Ctrl-C, remembered: a library may swallow the KeyboardInterrupt it raises inside (DuckDB turns it into an
    ``InterruptException``, which a loader reports as a failed step), so the demo asks between steps too."""

    def __init__(self) -> None:
        self.asked = False
        self._previous: Any = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        self.asked = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Stop here if Ctrl-C was pressed, whatever became of the interrupt it raised."""
        if self.asked:
            raise KeyboardInterrupt


def load_pillar_data(nodes: dict[str, Node], shared: Path = SHARED_DATA, interrupts: Interrupts | None = None) -> None:
    """Each pillar's public demo data (piracy reports, trade, arms transfers...) into each node."""
    if not shared.is_dir():
        console.print(f"[yellow]no shared data at {shared}: the pillars show their seed data only[/]")
        return
    for nation, node in nodes.items():
        operator = node.operator(username="demo:loader")
        for pillar in node.pillars:
            if pillar.demo is None:
                continue
            with console.status(f"{nation}: loading {pillar.title} data"):
                try:
                    lines = pillar.demo(node, shared, operator)
                except MitraError as exc:
                    lines = [f"[yellow]{pillar.name}: not loaded: {exc}[/]"]
            if interrupts is not None:
                interrupts.check()  # Ctrl-C during a step the library swallowed: stop now, not at the end
            for line in lines:
                console.print(f"  {nation} {line}")


def run_demo(root: Path, port: int, *, check: bool, sync_every: float = 5.0) -> bool:
    """Run the scenario; with ``check`` return whether every expectation held, else serve until stopped."""
    with demo_running(root, port) as demo:
        nodes, urls = demo.nodes, demo.urls
        witnesses = {}
        for nation, node in nodes.items():
            with node.db.read() as session:
                witnesses[nation] = [c.detail for c in check_witnesses(session, node)]
        ok = report(evaluate(nodes, demo.ids), witnesses)
        if check:
            return ok
        with Interrupts() as interrupts:
            load_pillar_data(nodes, interrupts=interrupts)
        for nation in ("IND", "MYS"):
            people = ", ".join(name for name, _, _ in DEMO_PEOPLE[nation])
            console.print(
                f"[bold]{nation} node[/]: {urls[nation]}/  log in as {people}; password {demo.passwords[nation]}"
            )
        console.print(f"both nodes pull from each other every {sync_every:g} s; Ctrl-C stops")
        try:
            while True:
                time.sleep(sync_every)
                try:
                    sync_round(nodes)
                except MitraError as exc:
                    console.print(f"[yellow]sync:[/] {exc}")
        except KeyboardInterrupt:
            return ok
