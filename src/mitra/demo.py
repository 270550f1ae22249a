"""The main job: an India node and a Malaysia node on loopback, seeded, sharing under policy.

``run_demo`` starts both nodes (embedded SQLite), pairs them, records a scenario of objects
under different markings, syncs over TAXII 2.1 both ways, revokes one object and narrows
another, syncs again, and checks every outcome. Each node follows a live AIS feed: a replay
of half the shipped AISHub capture (India the first half, Malaysia the second), served in
this process on a loopback TCP port, its times rewritten to now and looping (:class:`DemoReplay`),
named in the node's ``ais_feeds`` so that its feed service stores what it sends. Interactive,
it then keeps both web UIs up and pulls every few seconds; with ``check=True`` it waits (bounded)
until positions dated now have come through each node's feed, stops and reports.
"""

from __future__ import annotations

import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

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
from mitra.pillars.maritime.ais.feed import FEEDS, FeedHealth, FeedService
from mitra.pillars.maritime.ais.replay import TcpFanout, loops, read_capture, replay_lines
from mitra.pillars.maritime.ais.store import PositionStore, StoreDamaged
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

# The live AIS feed of each demo node (docs/ais-feed.md, "The live demo").
DEMO_CAPTURE = SHARED_DATA / "maritime" / "ais_nmea" / "gpsd_aishub_ais-nmea-sample.log"
DEMO_CAPTURE_SECONDS = 180.0  # what the capture spans: "3 minutes of live AISHub feed", its header says
# 1x: the capture's own pace (its lines over its three minutes, about 470 a second). The capture carries no
# times, so each line is dated by its place in it, shifted to now; a speed above 1 would date the positions
# ahead of the clock by (speed - 1) times the demo's running time (times are shifted, never stretched).
DEMO_REPLAY_SPEED = 1.0
DEMO_FEED = "demo-replay"  # the feed's name in each node's ``ais_feeds``, and the stored positions' source
DEMO_HALVES = {"IND": "first", "MYS": "second"}  # which half of the capture each node follows
FEED_WAIT_SECONDS = 60.0  # --check: how long each node's feed may take to store its first positions
RECENT = timedelta(minutes=5)  # --check: a position dated within this of now is live


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


def demo_settings(root: Path, nation: str, port: int, *, ais_feeds: dict[str, str] | None = None) -> Settings:
    return load_settings(
        nation=nation,
        agencies=DEMO_AGENCIES[nation],
        data_dir=root / nation.lower(),
        database_url="",
        bind=f"127.0.0.1:{port}",
        ais_feeds=ais_feeds or {},
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


def capture_halves(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The capture cut in two near its middle, before a sentence that starts a message (never inside one)."""
    for index in range(len(lines) // 2, len(lines)):
        fields = lines[index].split(b",", 3)
        if lines[index].startswith(b"!") and len(fields) > 2 and fields[2] == b"1":
            return lines[:index], lines[index:]
    return lines, []


@dataclass
class DemoReplay:
    """One node's live feed: a part of the capture served on a loopback TCP port, looping, times rewritten to now.

    Its thread waits until it is told to go (:meth:`begin`, once the scenario has played out: the feed's
    detection writes to the node's database too) and the node's feed has connected (what is sent before reaches
    no one), then sends the part at ``speed`` for ever, each loop's times shifted on by the part's length so
    that they keep increasing.
    """

    nation: str
    part: str
    lines: list[bytes]
    rate: float  # lines a second at speed 1: the capture's own pace
    speed: float = DEMO_REPLAY_SPEED
    fanout: TcpFanout = field(default_factory=lambda: TcpFanout("127.0.0.1", 0))
    go: threading.Event = field(default_factory=threading.Event)  # set once the scenario has played out
    stop: threading.Event = field(default_factory=threading.Event)
    sent: int = 0
    loops: int = 0

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"demo-replay-{self.nation}", daemon=True)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.fanout.port}"

    @property
    def loop_seconds(self) -> float:
        return len(self.lines) / self.rate / self.speed

    def describe(self) -> str:
        return (
            f"the {self.part} half of {DEMO_CAPTURE.name} ({len(self.lines):,} lines) replayed on {self.url} "
            f"at {self.speed:g}x ({self.rate * self.speed:,.0f} lines/s), times rewritten to now, "
            f"looping every {self.loop_seconds:,.0f} s"
        )

    def start(self) -> None:
        self._thread.start()

    def begin(self) -> None:
        self.go.set()

    def _run(self) -> None:
        while not (self.go.is_set() and self.fanout.clients):
            if self.stop.wait(0.05):
                return
        for plan in loops(self.lines, speed=self.speed, rate=self.rate, stamp=True, repeat=True):
            if self.stop.is_set():
                return
            self.sent += replay_lines(plan, [self.fanout], stop=self.stop)
            self.loops += 1

    def halt(self) -> None:
        """Send no more (the connection stays open, so the node's feed does not see its sender go)."""
        self.stop.set()
        self._thread.join(timeout=10)

    def close(self) -> None:
        self.halt()
        self.fanout.close()


@contextmanager
def replaying(capture: Path = DEMO_CAPTURE) -> Iterator[dict[str, DemoReplay]]:
    """A replay for each node (none without the capture: said so), stopped when the block ends."""
    if not capture.is_file():
        console.print(f"[yellow]no AIS capture at {capture}: the nodes follow no live feed[/]")
        yield {}
        return
    lines = read_capture(capture)
    rate = len(lines) / DEMO_CAPTURE_SECONDS
    first, second = capture_halves(lines)
    parts = {"first": first, "second": second}
    replays: dict[str, DemoReplay] = {}
    try:
        for nation, part in DEMO_HALVES.items():
            replays[nation] = DemoReplay(nation, part, parts[part], rate)
        for replay in replays.values():
            replay.start()
        yield replays
    finally:
        for replay in replays.values():
            replay.close()


@dataclass(frozen=True)
class LiveFeed:
    """What --check saw of one node's live feed."""

    nation: str
    health: FeedHealth | None
    positions: int  # stored from the feed, dated within :data:`RECENT` of now
    newest: datetime | None

    @property
    def ok(self) -> bool:
        return self.health is not None and self.health.state == "up" and self.positions > 0


def _feed_health(app: FastAPI) -> FeedHealth | None:
    """The demo source's health, from the feed service the app runs (itself, or inside what follows it)."""
    worker = getattr(app.state, "workers", {}).get(FEEDS)
    service = getattr(worker, "feed", worker)
    if not isinstance(service, FeedService):
        return None
    return next((h for h in service.health() if h.name == DEMO_FEED), None)


def _live_positions(node: Node) -> tuple[int, datetime | None]:
    """Positions the demo feed stored that are dated within :data:`RECENT` of now (none ahead of it), the newest."""
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        with PositionStore.for_settings(node.settings).reading(datasets=("positions",)) as con:
            row = con.execute(
                "SELECT count(*), max(ts) FROM positions WHERE source = $1 AND ts BETWEEN $2 AND $3",
                [DEMO_FEED, now - RECENT, now + timedelta(seconds=5)],
            ).fetchone()
    except StoreDamaged:
        return 0, None
    if row is None or not row[0]:
        return 0, None
    return int(row[0]), row[1].replace(tzinfo=UTC)


def await_live_feeds(nodes: dict[str, Node], apps: dict[str, FastAPI], wait: float) -> list[LiveFeed]:
    """Poll each node's feed and store until positions dated now have arrived through the feed, or ``wait`` runs out."""
    deadline = time.monotonic() + wait
    while True:
        seen = []
        for nation, node in nodes.items():
            positions, newest = _live_positions(node)  # the store first: the health then counts what was stored
            seen.append(LiveFeed(nation, _feed_health(apps[nation]), positions, newest))
        if all(feed.ok for feed in seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.25)


def report_live(feeds: list[LiveFeed], replays: dict[str, DemoReplay], wait: float) -> bool:
    now = datetime.now(UTC)
    for feed in feeds:
        replay = replays.get(feed.nation)
        said = replay.describe() if replay else "no replay"
        if feed.health is None:
            console.print(f"[red]FAIL[/] live AIS at {feed.nation}: no feed {DEMO_FEED!r} running ({said})")
            continue
        state = f"feed {DEMO_FEED} {feed.health.state} ({feed.health.lines:,} lines read)"
        if feed.ok and feed.newest is not None:
            age = (now - feed.newest).total_seconds()
            console.print(
                f"[green]ok[/] live AIS at {feed.nation}: {state}; {feed.positions:,} positions stored, newest dated "
                f"{feed.newest:%Y-%m-%d %H:%M:%S} UTC ({age:.0f} s ago); {said}",
                highlight=False,
            )
        else:
            console.print(
                f"[red]FAIL[/] live AIS at {feed.nation}: {state}; no position dated within {RECENT} of now "
                f"stored in {wait:g} s; {said}" + (f"; last error: {feed.health.last_error}" if feed.health else ""),
                highlight=False,
            )
    return bool(feeds) and all(feed.ok for feed in feeds)


@dataclass(frozen=True)
class Served:
    url: str
    app: FastAPI


@contextmanager
def serving(node: Node, port: int) -> Iterator[Served]:
    """Serve the node's app on a loopback port in a thread, for as long as the block runs."""
    app = create_app(node.settings, node=node)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, name=f"serve-{node.nation}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {node.nation} node did not start on port {port}")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=45)  # the app's lifespan stops the feed service first: each source stores what it read


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
    apps: dict[str, FastAPI] = field(default_factory=dict)
    replays: dict[str, DemoReplay] = field(default_factory=dict)


@contextmanager
def demo_running(root: Path, port: int, *, capture: Path = DEMO_CAPTURE) -> Iterator[RunningDemo]:
    """Both nodes served, each following its live AIS replay, paired, the scenario played out and synced;
    stopped when the block ends (the feeds first, then the replays, then the nodes)."""
    ports = {"IND": port or free_port(), "MYS": port + 1 if port else free_port()}
    with replaying(capture) as replays:
        feeds = {nation: {DEMO_FEED: replays[nation].url} if nation in replays else {} for nation in ports}
        prepared = {
            nation: prepare(demo_settings(root, nation, ports[nation], ais_feeds=feeds[nation]))
            for nation in ("IND", "MYS")
        }
        nodes = {nation: p.node for nation, p in prepared.items()}
        urls = {nation: f"http://127.0.0.1:{ports[nation]}" for nation in nodes}
        pair(nodes["IND"], nodes["MYS"], a_url=urls["IND"], b_url=urls["MYS"])
        try:
            with serving(nodes["IND"], ports["IND"]) as india, serving(nodes["MYS"], ports["MYS"]) as malaysia:
                ids = record_scenario(nodes)
                sync_round(nodes)
                act(nodes, ids)
                for _ in range(3):  # retraction out, acknowledgement back, witness back
                    sync_round(nodes)
                for replay in replays.values():
                    replay.begin()
                passwords = {n: p.password for n, p in prepared.items()}
                apps = {"IND": india.app, "MYS": malaysia.app}
                yield RunningDemo(nodes, urls, passwords, ids, apps, replays)
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
            live = await_live_feeds(nodes, demo.apps, FEED_WAIT_SECONDS)
            for replay in demo.replays.values():
                replay.halt()  # seen: the nodes then stop with less of the feed still to store and detect
            return report_live(live, demo.replays, FEED_WAIT_SECONDS) and ok
        with Interrupts() as interrupts:
            load_pillar_data(nodes, interrupts=interrupts)
        for nation in ("IND", "MYS"):
            people = ", ".join(name for name, _, _ in DEMO_PEOPLE[nation])
            console.print(
                f"[bold]{nation} node[/]: {urls[nation]}/  log in as {people}; password {demo.passwords[nation]}"
            )
        for nation, replay in demo.replays.items():
            console.print(
                f"[bold]{nation} live map[/]: {urls[nation]}/maritime/ follows its AIS feed {DEMO_FEED!r}: "
                f"{replay.describe()} (feed health: {urls[nation]}/maritime/feeds)",
                highlight=False,
            )
        console.print(f"both nodes pull from each other every {sync_every:g} s; Ctrl-C stops")
        try:
            while True:
                time.sleep(sync_every)
                try:
                    sync_round(nodes)
                except (MitraError, OperationalError) as exc:  # a partner down, a database busy: the next round
                    console.print(f"[yellow]sync:[/] {str(exc).splitlines()[0]}")
        except KeyboardInterrupt:
            return ok
