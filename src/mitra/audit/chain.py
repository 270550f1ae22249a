"""Pure hashing and verification of the audit chain; no I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One audit entry as it is hashed."""

    seq: int
    at: str
    actor: str
    action: str
    object_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_id: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of every field but the hash itself."""
    body = json.dumps(
        [seq, at, actor, action, object_id, detail, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None


def verify_chain(entries: Iterable[ChainEntry]) -> ChainReport:
    """Walk the chain in stored order; name the first entry that is edited, missing or moved."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            kind = "missing" if entry.seq > expected_seq else "reordered or duplicated"
            return ChainReport(
                False,
                count,
                expected_seq - 1,
                prev,
                entry.seq,
                f"entry {entry.seq}: expected entry {expected_seq} here ({kind} entries)",
            )
        if entry.prev_hash != prev:
            return ChainReport(
                False,
                count,
                expected_seq - 1,
                prev,
                entry.seq,
                f"entry {entry.seq}: does not link to entry {entry.seq - 1} (reordered or edited)",
            )
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            object_id=entry.object_id,
            detail=entry.detail,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return ChainReport(
                False,
                count,
                expected_seq - 1,
                prev,
                entry.seq,
                f"entry {entry.seq}: content does not match its hash (edited)",
            )
        prev = entry.hash
        expected_seq += 1
    return ChainReport(True, count, expected_seq - 1, prev, None, None)
