"""Mitra's own STIX object types for the exchange, declared by ``extension-definition``s."""

from __future__ import annotations

from mitra.core.stix import CustomType

RETRACTION = CustomType(
    name="x-mitra-retraction",
    description="The originator withdraws an object from a partner: revoked, or its marking narrowed.",
    pillar="exchange",
    required=("object_ref", "reason"),
)
ACKNOWLEDGEMENT = CustomType(
    name="x-mitra-acknowledgement",
    description="A partner confirms it applied a retraction or revocation.",
    pillar="exchange",
    required=("object_ref", "applied", "applied_at"),
)
AUDIT_HEAD = CustomType(
    name="x-mitra-audit-head",
    description="A node's audit-chain head (sequence number and hash), for its partner to witness.",
    pillar="exchange",
    required=("nation", "seq", "hash"),
)
AUDIT_WITNESS = CustomType(
    name="x-mitra-audit-witness",
    description="A partner's countersignature of another node's audit-chain head.",
    pillar="exchange",
    required=("witnessed_nation", "seq", "hash", "head_signature"),
)
EXCHANGE_TYPES = (RETRACTION, ACKNOWLEDGEMENT, AUDIT_HEAD, AUDIT_WITNESS)
