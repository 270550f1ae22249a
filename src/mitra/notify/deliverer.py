"""The node's background deliverer: sends what is due every ``MITRA_NOTIFY_INTERVAL_SECONDS``, checks overdue
milestones once a day. One per serving node (``app``'s lifespan starts and stops it), or run by hand."""

from __future__ import annotations

import logging
import threading
from datetime import date

from mitra.foundation.errors import MitraError
from mitra.foundation.timestamps import now_utc
from mitra.node import Node
from mitra.notify.deliver import DeliveryReport, deliver_due
from mitra.notify.email import Mailer
from mitra.notify.overdue import check_overdue

log = logging.getLogger("mitra.notify")


class Deliverer:
    """A background thread: a round every ``interval`` seconds, or at once when woken."""

    def __init__(self, node: Node, interval: float, *, mailer: Mailer | None = None) -> None:
        self.node = node
        self.interval = interval
        self.mailer = mailer
        self._checked: date | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"deliver-{node.nation}", daemon=True)
        self.rounds = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except (MitraError, OSError) as exc:  # logged, tried again next round
                log.warning("notice delivery round failed: %s", exc)
            except Exception:  # e.g. the database busy past its timeout under a long import: never ends the worker
                log.exception("notice delivery round failed; tried again next round")

    def run_once(self, *, today: date | None = None) -> DeliveryReport:
        """One round: the day's overdue check if not yet done today, then every delivery due."""
        day = today or now_utc().date()
        if self._checked != day:
            added = check_overdue(self.node, today=day)
            if added:
                log.info("%d overdue notices posted", added)
            self._checked = day
        report = deliver_due(self.node, mailer=self.mailer)
        self.rounds += 1
        return report
