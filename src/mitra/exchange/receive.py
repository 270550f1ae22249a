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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.core import notices
from mitra.core.objects import SOURCE_PARTNER, Provenance, StixObject
from mitra.core.stix import (
    HandlingInput,
    carries_handling,
    handling_from_record,
    read_handling,
    tlp_of,
    to_policy_handling,
    validate_object,
)
from mitra.core.versioning import remark_row
from mitra.exchange.models import Partner, Refusal
from mitra.exchange.partners import partner_actor
from mitra.exchange.signing import parse_public_key, signed_form, verify_value
from mitra.exchange.taxii import version_key
from mitra.exchange.types import ACKNOWLEDGEMENT, AUDIT_HEAD, AUDIT_WITNESS, RETRACTION
from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, now_utc, parse_timestamp
from mitra.foundation.words import N_, Said
from mitra.node import Node
from mitra.policy import Export, decide

# The exchange's own objects: no one is told "received" of them.
_BOOKKEEPING = frozenset(
    {RETRACTION.name, ACKNOWLEDGEMENT.name, AUDIT_HEAD.name, AUDIT_WITNESS.name, "extension-definition"}
)


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

    def receive(
        self,
        session: Session,
        objects: Sequence[Any],
        signatures: Mapping[str, str] | None,
        handlings: Mapping[str, Any] | None = None,
    ) -> ReceiveReport:
        """Check and store a page; ``handlings`` is the envelope's ``x_mitra_handling`` (foreign objects').

        Each object is validated and spelled first; its signature is verified on a worker thread while the
        next objects are validated (libsodium runs without the interpreter lock), then each verified object
        is decided and stored. Every object is still validated, verified and decided.
        """
        report = ReceiveReport()
        now = now_utc()
        held = self._held_versions(session, objects)
        prepared: list[_Offered] = []
        verifier = _Verifier()
        for index, obj in enumerate(objects):
            try:
                offered = self._prepare(obj, signatures or {}, index, handlings or {})
            except InvalidInput as exc:
                self._refuse(session, obj, str(exc), report)
                continue
            prepared.append(offered)
            if self.partner.require_signature:
                verifier.add(offered, self.public_key)
        verifier.finish()
        accepted: list[tuple[dict[str, Any], HandlingInput, str | None]] = []
        bodies: list[str] = []
        for offered in prepared:
            try:
                handling = self._decide(held, offered)
            except _AlreadyHeld as already:
                if already.row is not None and already.remark is not None:
                    self._remark(session, already.row, already.remark, already.signature, now)
                report.already_held += 1
                continue
            except InvalidInput as exc:
                self._refuse(session, offered.obj, str(exc), report)
                continue
            accepted.append((offered.obj, handling, offered.signature))
            bodies.append(offered.body)
        results = self.node.store.store_versions(
            session,
            [obj for obj, _, _ in accepted],
            provenance=Provenance(source=SOURCE_PARTNER, received_from=self.partner.nation, received_at=now),
            audit_actor=f"partner:{self.partner.nation}",
            audit_action="receive",
            handlings=[handling for _, handling, _ in accepted],
            signatures=[signature for _, _, signature in accepted],
            bodies=bodies,
        )
        told: list[int] = []  # what people are told of: the partner's objects, not the exchange's bookkeeping
        for (obj, _, signature), result in zip(accepted, results, strict=True):
            if result.outcome == "unchanged":  # the same version twice in one page
                report.already_held += 1
                continue
            if result.outcome == "refused":  # held here from another originator: the store versions it not
                self._refuse(session, obj, f"object from {self.partner.nation} ({obj['id']}): {result.reason}", report)
                continue
            report.received += 1
            if obj["type"] == RETRACTION.name or obj.get("revoked") is True:
                self._apply_retraction(session, obj)
                report.retractions_applied += 1
            elif obj["type"] == AUDIT_HEAD.name:
                self._witness(session, obj, signature)
            elif obj["type"] not in _BOOKKEEPING and result.seq is not None:
                told.append(result.seq)
        notices.post_received(session, self.node.store, partner=self.partner.nation, seqs=told)
        return report

    # ----- checks ---------------------------------------------------------------------

    def _held_versions(self, session: Session, objects: Sequence[Any]) -> _HeldVersions:
        """The versions already held of the objects offered: by id, then by modified."""
        ids = sorted({o["id"] for o in objects if isinstance(o, dict) and isinstance(o.get("id"), str)})
        held: _HeldVersions = {}
        for start in range(0, len(ids), 500):
            for row in session.scalars(select(StixObject).where(StixObject.id.in_(ids[start : start + 500]))):
                held.setdefault(row.id, {})[row.modified] = _Held(_content_digest(row.as_stix()), row)
        return held

    def _prepare(self, obj: Any, signatures: Mapping[str, str], index: int, handlings: Mapping[str, Any]) -> _Offered:
        """Validate and spell one object, and find what was sent beside it; its signature is checked next."""
        where = f"object {index} from {self.partner.nation}"
        checked = validate_object(obj, self.node.registry, where=where)
        where = f"{where} ({checked['id']})"
        body = canonical_json(checked, where=where)  # spelled once: what is verified is what is stored
        key = version_key(checked)
        signature = signatures.get(key)
        beside = None if carries_handling(checked) else handlings.get(key)
        if self.partner.require_signature:
            if self.public_key is None:
                raise InvalidInput(f"{where}: no public key is pinned for {self.partner.nation}")
            if signature is None:
                raise InvalidInput(f"{where}: unsigned, and {self.partner.nation} must sign")
        return _Offered(checked, where, body, signature, beside)

    def _decide(self, held: _HeldVersions, offered: _Offered) -> HandlingInput:
        """After its signature: the handling an object comes under, if this node may take it from the partner."""
        checked, where = offered.obj, offered.where
        if self.partner.require_signature and not offered.verified:
            raise InvalidInput(f"{where}: signature does not verify with {self.partner.nation}'s key (forged?)")
        handling = self._handling(checked, offered.beside, where)
        self._check_not_conflicting(held, checked, handling, offered.signature, where)
        decision = decide(
            partner_actor(self.node.nation),  # this node as the partner's policy would see it receive
            to_policy_handling(handling, held_by=self.partner.nation, revoked=False, withdrawn=False),
            Export(),
        )
        if not decision.allowed:
            raise InvalidInput(
                f"{where}: its marking does not let {self.partner.nation} send it here: {decision.reason}"
            )
        return handling

    def _handling(self, obj: dict[str, Any], beside: Any, where: str) -> HandlingInput:
        if carries_handling(obj):
            return read_handling(obj, where=where)
        if beside is not None:  # another producer's object: the partner's handling of it came beside it
            return handling_from_record(beside, where=where)
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

    def _check_not_conflicting(
        self,
        held: _HeldVersions,
        obj: dict[str, Any],
        handling: HandlingInput,
        signature: str | None,
        where: str,
    ) -> None:
        modified = obj.get("modified") or obj["created"]
        found = held.get(obj["id"], {}).get(parse_timestamp(modified, where=where))
        if found is None:
            return
        if found.digest != _content_digest(obj):
            raise InvalidInput(
                f"{where}: a different text for version {modified}, which is held already (replayed or forged)"
            )
        row = found.row
        # The same text again. Another producer's object the partner holds under a new marking: this node's
        # copy from that partner takes the new marking (the body and version do not change). A copy this
        # node holds as its own (it imported the same public record itself) stays its own: one object.
        if (
            row.is_foreign
            and row.received_from == self.partner.nation
            and row.originator_nation == handling.originator_nation
            and row.marking() != handling
        ):
            raise _AlreadyHeld(row, handling, signature)
        raise _AlreadyHeld()

    def _remark(
        self, session: Session, row: StixObject, handling: HandlingInput, signature: str | None, now: datetime
    ) -> None:
        remark_row(
            session,
            row,
            handling,
            audit_actor=f"partner:{self.partner.nation}",
            audit_action="receive_mark",
            signature=signature,
            provenance=Provenance(source=SOURCE_PARTNER, received_from=self.partner.nation, received_at=now),
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
            self._tell_retraction(session, target, "narrowed", obj)
            session.execute(
                update(StixObject)
                .where(StixObject.id == target, StixObject.received_from == self.partner.nation)
                .values(withdrawn=True)
            )
        else:
            target, applied = str(obj["id"]), "revoked"
            self._tell_retraction(session, target, "retracted", obj)
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

    def _tell_retraction(self, session: Session, target: str, kind: str, notice: dict[str, Any]) -> None:
        """Tell the people who could see ``target`` before the partner withdrew or revoked it."""
        row = session.scalar(select(StixObject).where(StixObject.id == target, StixObject.is_latest.is_(True)))
        if row is None:
            return
        before = replace(row.handling(held_by=self.node.nation), revoked=False, withdrawn=False)
        said = (
            N_("%(name)s revoked by %(partner)s")
            if kind == "retracted"
            else N_("%(name)s withdrawn after its marking was narrowed by %(partner)s")
        )
        notices.post(
            session,
            kind=kind,
            recipients=notices.people_who_may_see(session, self.node.nation, before),
            object_id=target,
            words=Said(said, {"name": row.name or target, "partner": self.partner.nation}),
            link=f"/objects/{target}",
            detail={"reason": str(notice.get("reason", ""))} if notice.get("reason") else {},
            key=f"{kind}:{notice['id']}",
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


@dataclass(frozen=True, slots=True)
class _Held:
    digest: str
    row: StixObject


_HeldVersions = dict[str, dict[datetime, _Held]]  # the versions held of a page's objects: by id, by modified


class _AlreadyHeld(Exception):
    """The same version with the same text: a harmless replay, or another producer's object re-marked."""

    def __init__(
        self, row: StixObject | None = None, remark: HandlingInput | None = None, signature: str | None = None
    ):
        super().__init__()
        self.row, self.remark, self.signature = row, remark, signature


def _content_digest(obj: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def digest_json(text: str) -> str:
    return _content_digest(json.loads(text))


@dataclass
class _Offered:
    """One object of a page, validated and spelled, with what came beside it and whether its signature verified."""

    obj: dict[str, Any]
    where: str
    body: str
    signature: str | None
    beside: Any
    verified: bool = False


_VERIFY_CHUNK = 64
_VERIFIERS: ThreadPoolExecutor | None = None


class _Verifier:
    """Verifies offered objects' signatures in chunks on one worker thread, beside the thread that validates."""

    def __init__(self) -> None:
        self.chunk: list[tuple[_Offered, Ed25519PublicKey]] = []
        self.pending: list[Future[None]] = []

    def add(self, offered: _Offered, public: Ed25519PublicKey | None) -> None:
        assert public is not None  # _prepare refused the object when no key is pinned
        self.chunk.append((offered, public))
        if len(self.chunk) == _VERIFY_CHUNK:
            self._submit()

    def finish(self) -> None:
        """Wait until every added object's ``verified`` is set."""
        self._submit()
        for future in self.pending:
            future.result()
        self.pending.clear()

    def _submit(self) -> None:
        global _VERIFIERS  # noqa: PLW0603 - one worker for the process, started on first use
        if not self.chunk:
            return
        if _VERIFIERS is None:
            _VERIFIERS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mitra-verify")
        self.pending.append(_VERIFIERS.submit(_verify_chunk, self.chunk))
        self.chunk = []


def _verify_chunk(chunk: list[tuple[_Offered, Ed25519PublicKey]]) -> None:
    for offered, public in chunk:
        signed = signed_form(offered.obj, offered.beside)
        text = offered.body if offered.beside is None else None
        offered.verified = offered.signature is not None and verify_value(public, signed, offered.signature, text=text)
