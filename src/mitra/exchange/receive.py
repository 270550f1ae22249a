"""Taking in what a partner sends (pulled or pushed): check, store, apply retractions, acknowledge.

Each object is checked on its own: a valid STIX 2.1 object, signed with the partner's pinned
key, whose marking lets the partner release it to this nation (the policy engine decides),
and not a different text under a version already held. A refused object is recorded with its
reason and audited; nothing already stored is touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.core.objects import SOURCE_PARTNER, Provenance, StixObject
from mitra.core.stix import (
    HandlingInput,
    apply_handling,
    handling_of,
    read_handling,
    tlp_of,
    to_policy_handling,
    validate_object,
)
from mitra.exchange.models import Partner, Refusal
from mitra.exchange.signing import parse_public_key, verify_value
from mitra.exchange.taxii import version_key
from mitra.exchange.types import ACKNOWLEDGEMENT, AUDIT_HEAD, AUDIT_WITNESS, RETRACTION
from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, now_utc, parse_timestamp
from mitra.node import Node
from mitra.policy import Actor, Export, Role, decide


@dataclass
class ReceiveReport:
    received: int = 0
    already_held: int = 0
    refused: int = 0
    retractions_applied: int = 0
    refusals: list[str] = field(default_factory=list)
    # Each refused object as TAXII status-details: its id and version as sent, and why.
    failures: list[dict[str, str]] = field(default_factory=list)

    def add(self, other: ReceiveReport) -> None:
        self.received += other.received
        self.already_held += other.already_held
        self.refused += other.refused
        self.retractions_applied += other.retractions_applied
        self.refusals.extend(other.refusals)
        self.failures.extend(other.failures)


class Receiver:
    """Checks and stores one partner's objects in the caller's (locked) transaction."""

    def __init__(self, node: Node, partner: Partner) -> None:
        self.node = node
        self.partner = partner
        self.public_key = parse_public_key(partner.public_key) if partner.public_key else None

    def receive(self, session: Session, objects: Sequence[Any], signatures: Mapping[str, str] | None) -> ReceiveReport:
        report = ReceiveReport()
        now = now_utc()
        held = self._held_versions(session, objects)
        accepted: list[tuple[dict[str, Any], HandlingInput, str | None]] = []
        for index, obj in enumerate(objects):
            try:
                checked, handling, signature = self._check(held, obj, signatures or {}, index)
            except _AlreadyHeld:
                report.already_held += 1
                continue
            except InvalidInput as exc:
                self._refuse(session, obj, str(exc), report)
                continue
            accepted.append((checked, handling, signature))
        results = self.node.store.store_versions(
            session,
            [obj for obj, _, _ in accepted],
            provenance=Provenance(source=SOURCE_PARTNER, received_from=self.partner.nation, received_at=now),
            audit_actor=f"partner:{self.partner.nation}",
            audit_action="receive",
            handlings=[handling for _, handling, _ in accepted],
            signatures=[signature for _, _, signature in accepted],
        )
        for (obj, _, signature), result in zip(accepted, results, strict=True):
            if result.outcome == "unchanged":  # the same version twice in one page
                report.already_held += 1
                continue
            report.received += 1
            if obj["type"] == RETRACTION.name or obj.get("revoked") is True:
                self._apply_retraction(session, obj)
                report.retractions_applied += 1
            elif obj["type"] == AUDIT_HEAD.name:
                self._witness(session, obj, signature)
        return report

    # ----- checks ---------------------------------------------------------------------

    def _held_versions(self, session: Session, objects: Sequence[Any]) -> dict[tuple[str, datetime], str]:
        """Digests of the versions already held among those offered, by (id, modified)."""
        ids = sorted({o["id"] for o in objects if isinstance(o, dict) and isinstance(o.get("id"), str)})
        held: dict[tuple[str, datetime], str] = {}
        for start in range(0, len(ids), 500):
            for row in session.scalars(select(StixObject).where(StixObject.id.in_(ids[start : start + 500]))):
                held[(row.id, row.modified)] = _content_digest(row.as_stix())
        return held

    def _check(
        self, held: dict[tuple[str, datetime], str], obj: Any, signatures: Mapping[str, str], index: int
    ) -> tuple[dict[str, Any], HandlingInput, str | None]:
        where = f"object {index} from {self.partner.nation}"
        checked = validate_object(obj, self.node.registry, where=where)
        where = f"{where} ({checked['id']})"
        signature = signatures.get(version_key(checked))
        if self.partner.require_signature:
            if self.public_key is None:
                raise InvalidInput(f"{where}: no public key is pinned for {self.partner.nation}")
            if signature is None:
                raise InvalidInput(f"{where}: unsigned, and {self.partner.nation} must sign")
            if not verify_value(self.public_key, checked, signature):
                raise InvalidInput(f"{where}: signature does not verify with {self.partner.nation}'s key (forged?)")
        handling = self._handling(checked, where)
        if handling_of(checked) is None:
            checked = apply_handling(checked, handling)
        self._check_not_conflicting(held, checked, where)
        decision = decide(
            Actor(nation=self.node.nation, agency=None, username=None, roles=frozenset({Role.PARTNER})),
            to_policy_handling(handling, held_by=self.partner.nation, revoked=False, withdrawn=False),
            Export(),
        )
        if not decision.allowed:
            raise InvalidInput(
                f"{where}: its marking does not let {self.partner.nation} send it here: {decision.reason}"
            )
        return checked, handling, signature

    def _handling(self, obj: dict[str, Any], where: str) -> HandlingInput:
        if handling_of(obj) is not None:
            return read_handling(obj, where=where)
        if self.partner.require_signature:
            raise InvalidInput(f"{where}: carries no Mitra handling; a Mitra partner always sends it")
        # A plain TAXII peer: the object is the peer's, for this nation, under its own TLP.
        return HandlingInput(
            tlp=tlp_of(obj) or self.partner.default_tlp,
            originator_nation=self.partner.nation,
            originator_agency="TAXII",
            releasable_to=(self.node.nation,),
            orcon=True,
        )

    def _check_not_conflicting(self, held: dict[tuple[str, datetime], str], obj: dict[str, Any], where: str) -> None:
        modified = obj.get("modified") or obj["created"]
        digest = held.get((obj["id"], parse_timestamp(modified, where=where)))
        if digest is not None:
            if digest == _content_digest(obj):
                raise _AlreadyHeld
            raise InvalidInput(
                f"{where}: a different text for version {modified}, which is held already (replayed or forged)"
            )

    def _refuse(self, session: Session, obj: Any, reason: str, report: ReceiveReport) -> None:
        object_id = obj.get("id") if isinstance(obj, dict) else None
        modified = obj.get("modified") if isinstance(obj, dict) else None
        session.add(
            Refusal(
                partner=self.partner.nation,
                object_id=str(object_id)[:120] if object_id else None,
                modified=str(modified)[:40] if modified else None,
                reason=reason[:2000],
                at=now_utc(),
            )
        )
        record(
            session,
            AuditEvent(
                f"partner:{self.partner.nation}",
                "refuse",
                str(object_id) if object_id else None,
                {"reason": reason[:500]},
            ),
        )
        report.refused += 1
        report.refusals.append(reason)
        report.failures.append({"id": str(object_id or ""), "version": str(modified or ""), "message": reason[:500]})

    # ----- effects ----------------------------------------------------------------------

    def _apply_retraction(self, session: Session, obj: dict[str, Any]) -> None:
        """Withdraw (retraction) or mark revoked, then acknowledge to the originator."""
        if obj["type"] == RETRACTION.name:
            target, applied = str(obj["object_ref"]), "withdrawn"
            session.execute(
                update(StixObject)
                .where(StixObject.id == target, StixObject.received_from == self.partner.nation)
                .values(withdrawn=True)
            )
        else:
            target, applied = str(obj["id"]), "revoked"
        record(session, AuditEvent(f"partner:{self.partner.nation}", f"apply_{applied}", target, {"notice": obj["id"]}))
        self._create_own(
            session,
            {
                "type": ACKNOWLEDGEMENT.name,
                "object_ref": target,
                "notice_ref": obj["id"],
                "applied": applied,
                "applied_at": format_timestamp(now_utc()),
            },
        )

    def _witness(self, session: Session, head: dict[str, Any], signature: str | None) -> None:
        """Countersign the partner's audit head, for the partner to check its own chain against."""
        self._create_own(
            session,
            {
                "type": AUDIT_WITNESS.name,
                "witnessed_nation": self.partner.nation,
                "seq": head["seq"],
                "hash": head["hash"],
                "head_ref": head["id"],
                "head_signature": signature or "",
            },
        )

    def _create_own(self, session: Session, body: dict[str, Any]) -> None:
        self.node.record_own(session, body, releasable_to=(self.partner.nation,), audit_action="create")


class _AlreadyHeld(Exception):
    """The same version with the same text: a harmless replay."""


def _content_digest(obj: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def digest_json(text: str) -> str:
    return _content_digest(json.loads(text))
