"""Pulling from a partner's TAXII collection: idempotent, resumable, each page in one transaction.

The cursor (the partner's ``next`` token, else the last ``X-TAXII-Date-Added-Last``) is
advanced in the same transaction as the page it follows, so a crash or a dropped
connection at any point resumes at a page boundary: nothing lost, nothing doubled
(``(id, modified)`` already held is skipped).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.exchange.models import Partner, SyncState
from mitra.exchange.receive import Receiver, ReceiveReport
from mitra.exchange.transport import PartnerTransport, TaxiiResponse, TransportError
from mitra.foundation.errors import NotFound
from mitra.foundation.timestamps import now_utc
from mitra.node import Node


class SyncError(TransportError):
    """The partner's answer breaks the protocol; the page is refused whole."""


@dataclass
class SyncReport:
    partner: str
    pages: int = 0
    received: ReceiveReport = field(default_factory=ReceiveReport)
    finished: bool = False


def sync_state(session: Session, partner: str) -> SyncState:
    state = session.get(SyncState, partner)
    if state is None:
        state = SyncState(partner=partner, pages=0, received=0, refused=0)
        session.add(state)
        session.flush()
    return state


def discover_collection(transport: PartnerTransport, partner: Partner) -> str:
    """The partner's collection readable by this node."""
    if partner.collection_id:
        return partner.collection_id
    body = transport.get("collections/", []).body
    collections = body.get("collections", []) if isinstance(body, dict) else []
    readable = [c for c in collections if isinstance(c, dict) and c.get("can_read")]
    if len(readable) != 1:
        raise SyncError(f"{partner.nation} offers {len(readable)} readable collections; configure one")
    return str(readable[0]["id"])


def pull_from_partner(
    node: Node,
    partner_nation: str,
    transport: PartnerTransport,
    *,
    page_size: int = 500,
    max_pages: int | None = None,
) -> SyncReport:
    """Pull every page the partner has for this node since the stored cursor.

    The next page is fetched while this one is checked and stored (one page ahead, on one worker
    thread), so the wire and the store overlap instead of taking turns. The cursor still advances
    only in the transaction of the page it follows: a page fetched ahead and not stored is simply
    fetched again next time.
    """
    with node.db.read() as session:
        partner = session.get(Partner, partner_nation)
        if partner is None:
            raise NotFound(f"{partner_nation} is not a configured partner (mitra partner add)")
        state = session.get(SyncState, partner_nation)
        cursor = (state.next_token, state.added_after) if state else (None, None)
    collection = discover_collection(transport, partner)
    report = SyncReport(partner=partner_nation)

    def fetch(next_token: str | None, added_after: str | None) -> _Fetched:
        params: list[tuple[str, str]] = [("limit", str(page_size)), ("match[version]", "all")]
        if next_token:
            params.append(("next", next_token))
        elif added_after:
            params.append(("added_after", added_after))
        response = transport.get(f"collections/{collection}/objects/", params)
        return _Fetched(response, *_envelope(response, partner_nation, page_size))

    with _fewer_collections(), ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pull-{partner_nation}") as ahead:
        pending: Future[_Fetched] | None = ahead.submit(fetch, *cursor)
        while pending is not None and (max_pages is None or report.pages < max_pages):
            try:
                page = pending.result()
            except TransportError as exc:  # noted here, after the pages before it are stored, not beside them
                _note_error(node, partner_nation, str(exc))
                raise
            pending = None
            more_allowed = max_pages is None or report.pages + 1 < max_pages
            if page.more and more_allowed:
                pending = ahead.submit(fetch, page.next_token, page.last_added or cursor[1])
            try:
                cursor = _store_page(node, partner, page, cursor, report)
            except BaseException:
                if pending is not None:
                    pending.cancel()
                raise
            if not page.more:
                report.finished = True
    return report


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A pull allocates millions of short-lived objects (a page's JSON, its rows), few of them in cycles; at the
    collector's default first threshold (700 allocations) the cyclic collector ran thousands of times a pull
    over everything alive. Raised for the pull (reference counting frees the rest as before), then restored."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _PULL_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


_PULL_GC_THRESHOLD = 50_000


@dataclass(frozen=True)
class _Fetched:
    response: TaxiiResponse
    objects: list[Any]
    more: bool
    next_token: str | None
    signatures: dict[str, str] | None
    handlings: dict[str, Any] | None

    @property
    def last_added(self) -> str | None:
        return _header(self.response, "x-taxii-date-added-last")


def _store_page(
    node: Node, partner: Partner, page: _Fetched, cursor: tuple[str | None, str | None], report: SyncReport
) -> tuple[str | None, str | None]:
    """Check and store one page and advance the cursor, in one transaction; the cursor after it."""
    partner_nation = partner.nation
    with node.db.write() as session:
        page_report = Receiver(node, partner).receive(session, page.objects, page.signatures, page.handlings)
        state = sync_state(session, partner_nation)
        if page.next_token is not None:
            state.next_token = page.next_token
        elif page.objects:
            state.next_token = None
        if page.last_added:
            state.added_after = page.last_added
        state.pages += 1
        state.received += page_report.received
        state.refused += page_report.refused
        state.last_success_at = now_utc()
        state.last_error = None
        if page_report.received or page_report.refused:
            record(
                session,
                AuditEvent(
                    f"partner:{partner_nation}",
                    "sync_page",
                    None,
                    {
                        "received": page_report.received,
                        "refused": page_report.refused,
                        "already_held": page_report.already_held,
                        "cursor": state.next_token or state.added_after,
                    },
                ),
            )
        cursor = (state.next_token, state.added_after)
    report.pages += 1
    report.received.add(page_report)
    return cursor


def _header(response: TaxiiResponse, name: str) -> str | None:
    for key, value in response.headers.items():
        if key.lower() == name:
            return value
    return None


def _envelope(
    response: TaxiiResponse, partner: str, page_size: int
) -> tuple[list[Any], bool, str | None, dict[str, str] | None, dict[str, Any] | None]:
    body = response.body
    if not isinstance(body, dict):
        raise SyncError(f"{partner}: the TAXII envelope is not a JSON object")
    objects = body.get("objects", [])
    if not isinstance(objects, list):
        raise SyncError(f"{partner}: 'objects' in the envelope is not a list")
    if len(objects) > page_size:
        raise SyncError(f"{partner}: sent {len(objects)} objects for a page of {page_size}; page refused")
    more = body.get("more", False)
    if not isinstance(more, bool):
        raise SyncError(f"{partner}: 'more' in the envelope is not true or false")
    next_token = body.get("next")
    if next_token is not None and not isinstance(next_token, str):
        raise SyncError(f"{partner}: 'next' in the envelope is not a string")
    if more and next_token is None and _header(response, "x-taxii-date-added-last") is None:
        raise SyncError(f"{partner}: says there is more but gives no way to ask for it")
    signatures = body.get("x_mitra_signatures")
    if signatures is not None and (
        not isinstance(signatures, dict) or not all(isinstance(v, str) for v in signatures.values())
    ):
        raise SyncError(f"{partner}: 'x_mitra_signatures' is not a map of strings")
    handlings = body.get("x_mitra_handling")
    if handlings is not None and not isinstance(handlings, dict):
        raise SyncError(f"{partner}: 'x_mitra_handling' is not a map")
    return objects, more, next_token, signatures, handlings


def _note_error(node: Node, partner: str, message: str) -> None:
    """Keep the failure on the partner's sync state, and in the audit chain when it is a new one (a partner that
    is down fails every round the same way: one entry, until a stored page clears it); nothing else is touched."""
    with node.db.write() as session:
        state = sync_state(session, partner)
        if state.last_error != message[:2000]:
            record(session, AuditEvent(f"partner:{partner}", "sync_failed", None, {"error": message[:500]}))
        state.last_error = message[:2000]
