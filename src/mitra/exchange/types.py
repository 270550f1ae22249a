"""Mitra's own STIX object types for the exchange, declared by ``extension-definition``s."""

from __future__ import annotations

from mitra.core import typeschema as ts
from mitra.core.stix import CustomType

_HASH = {"type": "string", "pattern": r"^[0-9a-f]{64}$"}

RETRACTION = CustomType(
    name="x-mitra-retraction",
    description="The originator withdraws an object from a partner: revoked, or its marking narrowed.",
    pillar="exchange",
    properties={"object_ref": ts.object_ref(), "reason": ts.text(max_length=80)},
    required=("object_ref", "reason"),
)
ACKNOWLEDGEMENT = CustomType(
    name="x-mitra-acknowledgement",
    description="A partner confirms it applied a retraction or revocation.",
    pillar="exchange",
    properties={
        "object_ref": ts.object_ref(),
        "notice_ref": ts.object_ref(),  # the retraction, or the revoked object itself
        "applied": ts.text(max_length=40),
        "applied_at": ts.timestamp(),
    },
    required=("object_ref", "applied", "applied_at"),
)
AUDIT_HEAD = CustomType(
    name="x-mitra-audit-head",
    description="A node's audit-chain head (sequence number and hash), for its partner to witness.",
    pillar="exchange",
    properties={"nation": ts.nation(), "seq": ts.integer(minimum=0), "hash": _HASH},
    required=("nation", "seq", "hash"),
)
AUDIT_WITNESS = CustomType(
    name="x-mitra-audit-witness",
    description="A partner's countersignature of another node's audit-chain head.",
    pillar="exchange",
    properties={
        "witnessed_nation": ts.nation(),
        "seq": ts.integer(minimum=0),
        "hash": _HASH,
        "head_ref": ts.object_ref("x-mitra-audit-head"),
        "head_signature": ts.text(nonempty=False),
    },
    required=("witnessed_nation", "seq", "hash", "head_signature"),
)
EXCHANGE_TYPES = (RETRACTION, ACKNOWLEDGEMENT, AUDIT_HEAD, AUDIT_WITNESS)
