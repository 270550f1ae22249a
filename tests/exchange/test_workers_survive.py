"""A background round that fails for any reason (a database busy past its timeout) never ends its worker."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import OperationalError

from mitra.exchange.live import Syncer
from mitra.node import Node
from mitra.notify.deliverer import Deliverer


def _busy(calls: list[int], done: threading.Event) -> None:
    calls.append(1)
    if len(calls) == 1:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    done.set()


@pytest.mark.parametrize("worker", ["sync", "deliver"])
def test_a_round_the_database_refuses_is_logged_and_the_next_round_runs(
    sqlite_node: Node, worker: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []
    done = threading.Event()
    runner: Syncer | Deliverer
    if worker == "sync":
        runner = Syncer(sqlite_node, interval=0.05)
        monkeypatch.setattr(runner, "pull_all", lambda: _busy(calls, done))
    else:
        runner = Deliverer(sqlite_node, interval=0.05)
        monkeypatch.setattr(runner, "run_once", lambda **_: _busy(calls, done))
    runner.start()
    try:
        assert done.wait(10), "the worker stopped after its failed round"
    finally:
        runner.stop()
    assert len(calls) >= 2
    assert "database is locked" in caplog.text
