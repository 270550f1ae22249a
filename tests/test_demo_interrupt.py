"""Ctrl-C stops the demo's loading even when a library swallows the interrupt it raised (DuckDB does)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from mitra.demo import Interrupts, load_pillar_data


def test_an_interrupt_a_library_swallowed_still_stops_at_the_next_step() -> None:
    with Interrupts() as interrupts:
        try:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C in the terminal
            time.sleep(1)  # the handler runs here
        except KeyboardInterrupt:
            swallowed = duckdb.InterruptException("Interrupted!")  # what DuckDB makes of it, then a loader reports
            assert isinstance(swallowed, Exception)
        assert interrupts.asked
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was


def test_loading_stops_after_the_step_that_was_interrupted(tmp_path: Path) -> None:
    ran: list[str] = []

    def step(name: str) -> object:
        def load(node: object, shared: Path, operator: object) -> list[str]:
            ran.append(name)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
            except KeyboardInterrupt:
                pass  # swallowed, as DuckDB's query does
            return [f"{name}: loaded"]

        return load

    pillars = [SimpleNamespace(name=n, title=n, demo=step(n)) for n in ("first", "second")]
    node = SimpleNamespace(pillars=pillars, operator=lambda username: username)
    with Interrupts() as interrupts, pytest.raises(KeyboardInterrupt):
        load_pillar_data({"IND": node}, shared=tmp_path, interrupts=interrupts)  # type: ignore[dict-item]
    assert ran == ["first"]
