"""Storing versions: each gets the node's next ``seq`` under the node lock, one audit entry each, in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record_many
from mitra.core.records import (
    WROTE_OBJECTS,
    Provenance,
    Recipient,
    StixObject,
    StoreResult,
    _chunks,
    _search_text,
    recipient_rows,
)
from mitra.core.stix import HandlingInput, read_handling
from mitra.foundation.canonical import canonical_json
from mitra.foundation.db import NodeState, insert_rows, lock_node
from mitra.foundation.reports import Outcome
from mitra.foundation.timestamps import format_timestamp, now_utc, parse_timestamp

if TYPE_CHECKING:
    from mitra.core.objects import ObjectStore


_TABLE = cast(Table, StixObject.__table__)
_RECIPIENTS = cast(Table, Recipient.__table__)


def store_versions(
    store: ObjectStore,
    session: Session,
    objects: Sequence[dict[str, Any]],
    *,
    provenance: Provenance,
    audit_actor: str,
    audit_action: str | None = None,
    handlings: Sequence[HandlingInput] | None = None,
    signatures: Sequence[str | None] | None = None,
    bodies: Sequence[str] | None = None,
) -> list[StoreResult]:
    """Store already-validated versions in one go, skipping (id, modified) already held.

    A version of an object held here from another originator is refused (its result says why; nothing
    of it is stored): only an object's originator versions it.

    The node lock must be held. One audit entry per stored version, in this transaction.
    New rows go in with one multi-row INSERT (the ORM's per-instance cost dominated big
    imports); a result's ``seq`` finds the stored row.
    """
    state = session.get(NodeState, 1) or lock_node(session)
    ids = {obj["id"] for obj in objects}
    held: dict[str, list[StixObject]] = {}
    for chunk in _chunks(sorted(ids), 500):
        for row in session.scalars(select(StixObject).where(StixObject.id.in_(chunk))):
            held.setdefault(row.id, []).append(row)
    fresh: dict[str, list[dict[str, Any]]] = {}  # versions of this call, by id
    now = now_utc()
    results: list[StoreResult] = []
    events: list[AuditEvent] = []
    new_rows: list[dict[str, Any]] = []
    for index, obj in enumerate(objects):
        modified_text = obj.get("modified") or obj["created"]
        modified = parse_timestamp(modified_text, where=obj["id"])
        stored = held.get(obj["id"], [])
        added = fresh.setdefault(obj["id"], [])
        if any(v.modified == modified for v in stored) or any(v["modified"] == modified for v in added):
            results.append(StoreResult(obj["id"], modified_text, "unchanged", "version already stored"))
            continue
        handling = handlings[index] if handlings else read_handling(obj, where=obj["id"])
        # Only an object's originator versions it, whichever door the version came by (an import, a partner).
        reason = not_the_originator(
            [v.originator_nation for v in stored] + [v["originator_nation"] for v in added], handling
        )
        if reason is not None:
            results.append(StoreResult(obj["id"], modified_text, "refused", reason))
            continue
        latest_modified = max([v.modified for v in stored] + [v["modified"] for v in added], default=None)
        is_latest = latest_modified is None or modified > latest_modified
        if is_latest:  # whichever version was latest, stored or added in this call, is no longer
            for row in stored:
                row.is_latest = False
            for earlier in added:
                earlier["is_latest"] = False
        state.object_seq += 1
        values = {
            "seq": state.object_seq,
            "id": obj["id"],
            "type": obj["type"],
            "created": parse_timestamp(obj["created"], where=obj["id"]),
            "modified": modified,
            "revoked": bool(obj.get("revoked", False)),
            "is_latest": is_latest,
            "withdrawn": False,
            "originator_nation": handling.originator_nation,
            "originator_agency": handling.originator_agency,
            "tlp": handling.tlp,
            "releasable_to": " ".join(sorted(set(handling.releasable_to))),
            "orcon": handling.orcon,
            "red_recipients": json.dumps(sorted(set(handling.red_recipients))),
            "date_added": now,
            "source": provenance.source,
            "received_from": provenance.received_from,
            "received_at": provenance.received_at,
            "signature": signatures[index] if signatures else provenance.signature,
            "name": str(obj["name"])[:300] if isinstance(obj.get("name"), str) else None,
            "search_text": _search_text(obj),
            # What a signature covers: the export signs it as stored (``bodies``: the caller spelled it already).
            "body": bodies[index] if bodies else canonical_json(obj, where=obj["id"]),
        }
        added.append(values)
        new_rows.append(values)
        outcome: Outcome = "added" if latest_modified is None else "updated"
        results.append(StoreResult(obj["id"], modified_text, outcome, seq=values["seq"]))
        action = audit_action or ("create" if outcome == "added" else "update")
        events.append(
            AuditEvent(
                audit_actor,
                action,
                obj["id"],
                {
                    "modified": modified_text,
                    "seq": values["seq"],
                    "tlp": handling.tlp,
                    "source": provenance.source,
                },
            )
        )
    session.flush()  # earlier versions lose is_latest before their successors arrive
    for chunk in _chunks(new_rows, 2000):
        insert_rows(session, _TABLE, chunk)  # one executemany: the ORM's and Core's per-row costs dominated
        insert_rows(session, _RECIPIENTS, [r for v in chunk for r in recipient_rows(v["seq"], v["releasable_to"])])
    if new_rows:
        session.info[WROTE_OBJECTS] = True
    if events:
        record_many(session, events, at=now)
    return results


def not_the_originator(held_from: Iterable[str], handling: HandlingInput) -> str | None:
    """Why a version under ``handling`` may not be stored beside versions held from ``held_from``, if it may not.

    The store's rule (``store_versions`` refuses such a version); an importer asks first only to leave a
    refused object out of what it counts as released.
    """
    others = set(held_from) - {handling.originator_nation}
    return f"held from {', '.join(sorted(others))}; only the originator versions it" if others else None


def remark_row(
    session: Session,
    row: StixObject,
    handling: HandlingInput,
    *,
    audit_actor: str,
    audit_action: str,
    signature: str | None = None,
    provenance: Provenance | None = None,
) -> None:
    """Hold another producer's object under a new marking: its body and (id, modified) unchanged.

    The row takes the node's next ``seq`` (and a new ``date_added``), so the feed serves it again and a
    partner pulling from its cursor learns the new handling. The node lock must be held; one audit entry.
    """
    state = session.get(NodeState, 1) or lock_node(session)
    state.object_seq += 1
    old_seq, now = row.seq, now_utc()
    row.seq = state.object_seq
    row.originator_nation = handling.originator_nation
    row.originator_agency = handling.originator_agency
    row.tlp = handling.tlp
    row.releasable_to = " ".join(sorted(set(handling.releasable_to)))
    session.execute(delete(Recipient).where(Recipient.seq == old_seq))
    insert_rows(session, _RECIPIENTS, recipient_rows(row.seq, row.releasable_to))
    row.orcon = handling.orcon
    row.red_recipients = json.dumps(sorted(set(handling.red_recipients)))
    row.date_added = now
    if provenance is not None:
        row.received_from, row.received_at = provenance.received_from, provenance.received_at
    if signature is not None:
        row.signature = signature
    session.flush()
    session.info[WROTE_OBJECTS] = True
    record_many(
        session,
        [
            AuditEvent(
                audit_actor,
                audit_action,
                row.id,
                {"modified": format_timestamp(row.modified), "seq": row.seq, "was_seq": old_seq, "tlp": handling.tlp},
            )
        ],
        at=now,
    )
