"""The node's background deliverer: sends what is due every ``MITRA_NOTIFY_INTERVAL_SECONDS``, checks overdue
milestones once a day. One per serving node (``app``'s lifespan starts and stops it), or run by hand."""

from __future__ import annotations

import logging
from datetime import date

from mitra.foundation.timestamps import now_utc
from mitra.foundation.workers import Periodic
from mitra.node import Node
from mitra.notify.deliver import DeliveryReport, deliver_due
from mitra.notify.email import Mailer
from mitra.notify.overdue import check_overdue

log = logging.getLogger("mitra.notify")


class Deliverer(Periodic):
    """A background thread: a round every ``interval`` seconds, or at once when woken."""

    def __init__(self, node: Node, interval: float, *, mailer: Mailer | None = None) -> None:
        super().__init__(f"deliver-{node.nation}", interval, log, lambda: self.run_once())  # noqa: PLW0108 - looked up at each round
        self.node = node
        self.mailer = mailer
        self._checked: date | None = None

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
