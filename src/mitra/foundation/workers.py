"""A node's background worker: a round every ``interval`` seconds, or at once when woken, until stopped.

The partner sync and the notice deliverer are each one. A round that fails for any reason (a partner down, a
database busy past its timeout under a long import) is logged and the next round runs: a failure never ends
the worker, and a known, worded failure (``MitraError``, an ``OSError``) is logged as a warning, not a trace.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from mitra.foundation.errors import MitraError


class Worker(Protocol):
    """Something a node runs in the background while it serves (a pillar's feed, say): started and stopped once."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Periodic:
    """Runs ``work`` (one round) on a daemon thread; the partner sync and the deliverer pass their round."""

    def __init__(self, name: str, interval: float, log: logging.Logger, work: Callable[[], object]) -> None:
        self.interval = interval
        self.rounds = 0
        self._work = work
        self._log = log
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def wake(self) -> None:
        """Run a round now rather than at the end of the interval."""
        self._wake.set()

    def _run(self) -> None:
        name = self._thread.name
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._work()
            except (MitraError, OSError) as exc:
                self._log.warning("%s: round failed, tried again next round: %s", name, exc)
            except Exception:
                self._log.exception("%s: round failed, tried again next round", name)
