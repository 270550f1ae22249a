"""Kill the partner's server mid-transfer, restart it, pull again: nothing lost, nothing doubled."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from mitra.bootstrap import open_node
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.models import Partner
from mitra.exchange.partners import pair
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.taxii_api import LocalTransport
from mitra.exchange.transport import HttpTransport, TaxiiResponse, TransportError
from mitra.node import Node
from mitra.policy import Actor, Role
from tests.conftest import add_person, make_settings
from tests.support.live import free_port


class ServerProcess:
    """``mitra serve`` for a node, as a separate process that can be killed with SIGKILL."""

    def __init__(self, node: Node, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        s = node.settings
        self.env = {
            **os.environ,
            "MITRA_NATION": s.nation,
            "MITRA_AGENCIES": ",".join(s.agencies),
            "MITRA_DATA_DIR": str(s.data_dir),
            "MITRA_DATABASE_URL": s.database_url,
            "MITRA_BIND": f"127.0.0.1:{port}",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mitra.cli", "serve"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/login", timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or up and slow on a busy machine
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    self.process.wait(timeout=10)  # reaped: no process left behind for a later test to trip on
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


class KillAfter:
    """Passes requests through, and kills the server just before request number ``n``."""

    def __init__(self, inner: HttpTransport, server: ServerProcess, n: int) -> None:
        self.inner, self.server, self.n, self.calls = inner, server, n, 0

    def get(self, path: str, params: Any) -> TaxiiResponse:
        self.calls += 1
        if self.calls == self.n:
            self.server.kill()
        return self.inner.get(path, params)

    def post(self, path: str, body: Any) -> TaxiiResponse:
        return self.inner.post(path, body)


@pytest.fixture
def india_served(tmp_path: Path) -> Iterator[tuple[Node, Node, ServerProcess, set[str]]]:
    port = free_port()
    ind = open_node(make_settings(tmp_path, nation="IND"))
    mys = open_node(make_settings(tmp_path, nation="MYS"))
    ind.init()
    mys.init()
    pair(ind, mys, a_url=f"http://127.0.0.1:{port}", b_url="http://127.0.0.1:1")
    analyst = add_person(ind, "asha", {Role.ANALYST, Role.RELEASE_OFFICER})  # creates released objects
    partner = Actor(nation="MYS", agency=None, username="partner-mys", roles=frozenset({Role.PARTNER}))
    pull_from_partner(mys, "IND", LocalTransport(ind, partner))  # Mitra's type definitions cross first
    expected = set()
    with ind.db.write() as session:
        for index in range(60):
            row = ind.store.create(
                session,
                obj={
                    "type": "indicator",
                    "name": f"i{index}",
                    "pattern_type": "stix",
                    "valid_from": "2025-01-07T00:00:00Z",
                    "pattern": f"[ipv4-addr:value = '45.83.64.{index}']",
                },
                handling=HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)),
                actor=analyst.actor,
            )
            expected.add(row.id)
    ind.close()
    server = ServerProcess(ind, port, tmp_path / "server.log")
    server.start()
    yield ind, mys, server, expected
    if server.process is not None and server.process.poll() is None:
        server.kill()
    mys.close()


def _india_as_seen_from(mys: Node) -> tuple[str, str | None]:
    with mys.db.read() as session:
        partner = session.get(Partner, "IND")
        assert partner is not None
        return partner.api_root_url, partner.token


def _resume_and_check(mys: Node, url: str, token: str | None, expected: set[str]) -> None:
    """After a failed pull that stored part of it, a pull from the cursor ends with each object once."""
    with mys.db.read() as session:
        partial = set(session.scalars(select(StixObject.id).where(StixObject.type == "indicator")))
    assert 0 < len(partial) < len(expected)
    transport = HttpTransport(url, token=token, timeout=5)
    report = pull_from_partner(mys, "IND", transport, page_size=10)
    transport.close()
    assert report.finished
    with mys.db.read() as session:
        ids = list(session.scalars(select(StixObject.id).where(StixObject.type == "indicator")))
    assert set(ids) == expected
    assert len(ids) == len(expected)


def test_killing_the_server_mid_transfer_then_resuming_loses_and_doubles_nothing(
    india_served: tuple[Node, Node, ServerProcess, set[str]],
) -> None:
    _, mys, server, expected = india_served
    url, token = _india_as_seen_from(mys)
    transport = HttpTransport(url, token=token, timeout=5)
    with pytest.raises(TransportError):
        pull_from_partner(mys, "IND", KillAfter(transport, server, n=3), page_size=10)
    transport.close()
    server.start()
    _resume_and_check(mys, url, token, expected)


class CuttingProxy:
    """A TCP proxy on loopback that forwards to ``upstream_port`` and, once ``cut_after`` response bytes
    have passed, closes both sockets: the connection drops in the middle of a response body."""

    def __init__(self, upstream_port: int, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.passed = 0
        self.cut = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, response: bool) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(4096):
                if response and not self.cut and self.passed + len(chunk) > self.cut_after:
                    target.sendall(chunk[: self.cut_after - self.passed])  # part of a body, then nothing
                    self.cut = True
                    break
                target.sendall(chunk)
                if response:
                    self.passed += len(chunk)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()


def test_a_connection_cut_in_the_middle_of_a_page_body_resumes_without_loss_or_duplicates(
    india_served: tuple[Node, Node, ServerProcess, set[str]],
) -> None:
    _, mys, server, expected = india_served
    url, token = _india_as_seen_from(mys)
    proxy = CuttingProxy(server.port, cut_after=20_000)  # pages of 10 are about 9 kB: the cut falls in the third
    cut_url = url.replace(f":{server.port}/", f":{proxy.port}/")
    with pytest.raises(TransportError):
        pull_from_partner(mys, "IND", HttpTransport(cut_url, token=token, timeout=5), page_size=10)
    proxy.close()
    assert proxy.cut
    _resume_and_check(mys, url, token, expected)
