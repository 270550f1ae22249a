"""Audit witnessing: publish this node's signed audit head; check partners' countersignatures of it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEntry, head
from mitra.core.objects import StixObject
from mitra.exchange.models import Partner
from mitra.exchange.signing import signed_form, verify_value
from mitra.exchange.taxii import handling_beside
from mitra.exchange.types import AUDIT_HEAD, AUDIT_WITNESS
from mitra.node import Node

# Witnessing's own traffic: publishing a head, a partner's head or countersignature arriving, countersigning it.
_WITNESS_PREFIXES = (f"{AUDIT_HEAD.name}--", f"{AUDIT_WITNESS.name}--")
# Entries that only summarise others beside them (a page's receipts and refusals have their own entries), or note
# that the exchange is down (not an act on data): neither calls for a new head.
_SUMMARY_ACTIONS = frozenset({"sync_page", "sync_failed"})


def _is_witnessing(entry: AuditEntry) -> bool:
    """Whether ``entry`` records witnessing itself, or only summarises: a new head for it alone witnesses nothing.

    Without this, witnessing feeds itself: our head goes out, the partner's countersignature comes back, that
    receipt advances our chain, so a new head is due, and so on every round for ever.
    """
    if entry.action in _SUMMARY_ACTIONS:
        return True
    if entry.action == "refuse":  # a refused head is a forgery or a fault: worth witnessing
        return False
    if entry.object_id is not None:
        return entry.object_id.startswith(_WITNESS_PREFIXES)
    if entry.action != "export":
        return False
    try:
        detail = json.loads(entry.detail)
    except ValueError:
        return False
    versions = detail.get("versions") if isinstance(detail, dict) else None
    if not isinstance(versions, list) or len(versions) != detail.get("objects"):
        return False  # a page listed in part (over 1,000 objects) is not only heads and countersignatures
    return all(isinstance(v, str) and v.startswith(_WITNESS_PREFIXES) for v in versions)


def head_is_due(session: Session, node: Node) -> bool:
    """Whether the chain moved since this node last published its head, by more than witnessing itself."""
    published = session.scalar(
        select(StixObject.body)
        .where(StixObject.type == AUDIT_HEAD.name, StixObject.received_from.is_(None))
        .order_by(StixObject.seq.desc())
        .limit(1)
    )
    if published is None:
        return True
    last = json.loads(published).get("seq")
    seq, _ = head(session)
    if not isinstance(last, int) or last > seq:  # a chain behind its published head (restored): publish afresh
        return True
    after = last
    while True:  # in batches: an idle node has a handful of entries here, a busy one stops at the first
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(200)
        ).all()
        if not entries:
            return False
        if not all(_is_witnessing(entry) for entry in entries):
            return True
        after = entries[-1].seq


def publish_head(session: Session, node: Node) -> dict[str, object] | None:
    """Record this node's audit head as an object released to every partner, if there is anything new to witness.

    Nothing is published (``None``) without partners, or when every entry since the last published head is
    witnessing itself (:func:`head_is_due`): an idle pair converges after a round or two and then writes nothing.
    """
    partners = tuple(session.scalars(select(Partner.nation)))
    if not partners or not head_is_due(session, node):
        return None
    seq, digest = head(session)
    return node.record_own(
        session,
        {"type": AUDIT_HEAD.name, "nation": node.nation, "seq": seq, "hash": digest},
        releasable_to=partners,
        audit_action="publish_head",
    )


@dataclass(frozen=True)
class WitnessCheck:
    partner: str
    seq: int | None
    matches: bool
    detail: str


def check_witnesses(session: Session, node: Node) -> list[WitnessCheck]:
    """For each partner, does its latest countersigned copy of our head match our own chain?"""
    checks = []
    for partner in session.scalars(select(Partner.nation).order_by(Partner.nation)):
        rows = session.scalars(
            select(StixObject)
            .where(StixObject.type == AUDIT_WITNESS.name, StixObject.received_from == partner)
            .order_by(StixObject.seq.desc())
        )
        witness = next((r.as_stix() for r in rows if r.as_stix().get("witnessed_nation") == node.nation), None)
        if witness is None:
            detail = f"{partner} has not witnessed our head yet (sync first)"
            checks.append(WitnessCheck(partner, None, False, detail))
            continue
        seq, digest = int(witness["seq"]), str(witness["hash"])
        entry = session.get(AuditEntry, seq)
        head_obj = session.scalar(
            select(StixObject).where(StixObject.id == witness.get("head_ref"), StixObject.is_latest.is_(True))
        )
        signed = head_obj is not None and verify_value(
            node.signing_key.public_key(), head_obj.as_stix(), str(witness.get("head_signature", ""))
        )
        if entry is None:
            checks.append(
                WitnessCheck(partner, seq, False, f"entry {seq}, witnessed by {partner}, is gone from our chain")
            )
        elif entry.hash != digest:
            checks.append(WitnessCheck(partner, seq, False, f"entry {seq} differs from the copy {partner} witnessed"))
        elif not signed:
            checks.append(
                WitnessCheck(partner, seq, False, f"{partner}'s copy does not carry our signature of the head")
            )
        else:
            checks.append(WitnessCheck(partner, seq, True, f"{partner} holds our head at entry {seq}: matches"))
    return checks


@dataclass(frozen=True)
class SignatureCheck:
    object_id: str
    modified: str
    partner: str
    ok: bool


def verify_received(session: Session, node: Node) -> list[SignatureCheck]:
    """Re-verify the stored signature of every version received from a signing partner."""
    from mitra.exchange.signing import parse_public_key

    keys = {
        p.nation: parse_public_key(p.public_key)
        for p in session.scalars(select(Partner))
        if p.public_key and p.require_signature
    }
    checks = []
    for row in session.scalars(
        select(StixObject).where(StixObject.received_from.is_not(None)).order_by(StixObject.seq)
    ):
        key = keys.get(row.received_from or "")
        if key is None:
            continue
        body = row.as_stix()
        ok = bool(row.signature) and verify_value(key, signed_form(body, handling_beside(row)), row.signature or "")
        checks.append(SignatureCheck(row.id, str(body.get("modified")), row.received_from or "", ok))
    return checks
