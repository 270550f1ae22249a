"""Keeping partners current while a node serves: pull on a schedule, and notify-then-pull.

After a write transaction that stored object versions commits, the node tells each partner
"something changed" (``POST /api/v1/exchange/notify``); the partner's :class:`Syncer` wakes
and pulls at once, instead of waiting for its next scheduled pull.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import httpx
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mitra.core.objects import WROTE_OBJECTS
from mitra.exchange.models import Partner
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.transport import HttpTransport
from mitra.exchange.witness import head_is_due, publish_head
from mitra.foundation.errors import MitraError
from mitra.foundation.workers import Periodic
from mitra.node import Node

log = logging.getLogger("mitra.exchange")


# How often a serving node publishes its audit head for its partners to witness, at most (and only when the chain
# moved by more than witnessing itself, ``witness.head_is_due``): often enough that `audit verify --with-partner`
# has a recent witness, rarely enough not to fill the audit log.
WITNESS_EVERY_SECONDS = 600.0


class Syncer(Periodic):
    """A background thread pulling from every partner every ``interval`` seconds, or when woken.

    Before a round it publishes the node's audit head (at most every ``witness_every`` seconds, and only if the
    chain moved by more than witnessing itself since the last one), so partners countersign it as the demo's rounds
    do. An idle round writes nothing: a pull that brings nothing and a page served empty leave no entry.
    """

    def __init__(self, node: Node, interval: float, *, witness_every: float = WITNESS_EVERY_SECONDS) -> None:
        super().__init__(f"sync-{node.nation}", interval, log, lambda: self.pull_all())  # noqa: PLW0108 - looked up at each round
        self.node = node
        self.witness_every = witness_every
        self._published_at = float("-inf")

    def publish_head_if_due(self) -> bool:
        """Publish the audit head if ``witness_every`` has passed and there is something new to witness; whether it did.

        Asked first in a read transaction, so an idle round does not take the node's write lock.
        """
        if time.monotonic() - self._published_at < self.witness_every:
            return False
        with self.node.db.read() as session:
            if not head_is_due(session, self.node):
                return False
        with self.node.db.write() as session:
            published = publish_head(session, self.node)
        if published is None:
            return False
        self._published_at = time.monotonic()
        return True

    def pull_all(self) -> None:
        try:
            self.publish_head_if_due()
        except MitraError as exc:
            log.warning("publishing the audit head failed: %s", exc)
        with self.node.db.read() as session:
            partners = list(session.scalars(select(Partner)))
        for partner in partners:
            transport = HttpTransport(partner.api_root_url, token=partner.token, timeout=15)
            try:
                pull_from_partner(self.node, partner.nation, transport)
            except MitraError as exc:  # recorded in sync_state.last_error; tried again next round
                log.warning("pull from %s failed: %s", partner.nation, exc)
            finally:
                transport.close()
        self.rounds += 1


class Notifier:
    """Tells partners, after commit, that this node wrote objects; never blocks the writer."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._pending = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"notify-{node.nation}", daemon=True)

    def install(self) -> None:
        """Watch the node's write sessions: a commit that stored objects schedules a notification."""
        event.listen(self.node.db.write_sessions, "after_commit", self._after_commit)
        self._thread.start()

    def uninstall(self) -> None:
        event.remove(self.node.db.write_sessions, "after_commit", self._after_commit)
        self._stop.set()
        self._pending.set()
        self._thread.join(timeout=10)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(WROTE_OBJECTS, False):
            self._pending.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._pending.wait()
            self._pending.clear()
            if self._stop.is_set():
                return
            try:
                self.notify_all()
            except Exception:  # as for the sync: the next write tries again
                log.exception("telling partners of new objects failed")

    def notify_all(self) -> None:
        with self.node.db.read() as session:
            partners = [(p.nation, p.api_root_url, p.token) for p in session.scalars(select(Partner))]
        for nation, api_root_url, token in partners:
            parts = urlsplit(api_root_url)
            url = f"{parts.scheme}://{parts.netloc}/api/v1/exchange/notify"
            try:
                httpx.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=5).raise_for_status()
            except httpx.HTTPError as exc:
                log.info("could not notify %s: %s", nation, exc)
