"""Audit entries written in the caller's transaction, and verification against the stored head."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, String, Table, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from mitra.audit.chain import GENESIS, ChainEntry, ChainReport, entry_hash, verify_chain
from mitra.foundation.db import Base, NodeState, insert_rows, lock_node
from mitra.foundation.timestamps import format_timestamp, now_utc


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_id: Mapped[str | None] = mapped_column(String(120), index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One thing to record: who did what to which object, with details."""

    actor: str
    action: str
    object_id: str | None = None
    detail: dict[str, Any] | None = None


def record(session: Session, event: AuditEvent, *, at: datetime | None = None) -> None:
    """Append one entry in the caller's (locked) write transaction."""
    record_many(session, [event], at=at)


def record_many(session: Session, events: Sequence[AuditEvent], *, at: datetime | None = None) -> None:
    """Append entries in order; the node lock must be held (``Database.write``).

    Written with one multi-row INSERT: an import of tens of thousands of objects audits
    each of them, so the ORM's per-instance cost would dominate.
    """
    state = session.get(NodeState, 1)
    if state is None:
        state = lock_node(session)
    stamp = format_timestamp(at or now_utc())
    rows: list[dict[str, Any]] = []
    seq, prev = state.audit_seq, state.audit_head
    for event in events:
        seq += 1
        detail = event.detail or {}
        digest = entry_hash(
            seq=seq,
            at=stamp,
            actor=event.actor,
            action=event.action,
            object_id=event.object_id,
            detail=detail,
            prev_hash=prev,
        )
        rows.append(
            {
                "seq": seq,
                "at": stamp,
                "actor": event.actor,
                "action": event.action,
                "object_id": event.object_id,
                "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False),
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if rows:
        insert_rows(session, cast(Table, AuditEntry.__table__), rows)
    state.audit_seq, state.audit_head = seq, prev
    session.flush()


def _chain_entries(session: Session, batch: int = 5000) -> Iterator[ChainEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            try:
                detail = json.loads(row.detail)
            except ValueError:
                detail = {"unreadable": row.detail}
            yield ChainEntry(
                seq=row.seq,
                at=row.at,
                actor=row.actor,
                action=row.action,
                object_id=row.object_id,
                detail=detail,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        last = rows[-1].seq


def verify(session: Session) -> ChainReport:
    """Verify the whole chain and that it ends at the head the node recorded."""
    report = verify_chain(_chain_entries(session))
    if not report.ok:
        return report
    state = session.get(NodeState, 1)
    if state is None:
        return ChainReport(False, report.entries, 0, GENESIS, None, "node is not initialised")
    if (state.audit_seq, state.audit_head) != (report.head_seq, report.head_hash):
        return ChainReport(
            False,
            report.entries,
            report.head_seq,
            report.head_hash,
            report.head_seq + 1,
            f"chain ends at entry {report.head_seq} but the node's head is entry "
            f"{state.audit_seq}: entries after {report.head_seq} are missing",
        )
    return report


def head(session: Session) -> tuple[int, str]:
    state = session.get(NodeState, 1)
    if state is None:
        return 0, GENESIS
    return state.audit_seq, state.audit_head


def recent(session: Session, *, limit: int = 50) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))
