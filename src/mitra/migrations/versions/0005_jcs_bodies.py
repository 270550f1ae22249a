"""object bodies as RFC 8785 canonical JSON (JCS)

Signatures now cover the JSON Canonicalization Scheme (RFC 8785), which a partner in any language
can reproduce, and the export signs each stored body as it is: bodies are re-encoded from the
sorted-keys spelling of 0004. They differ only where a number is a float (``1.0`` is ``1``) or a member
name holds a character beyond U+FFFF. A body JCS cannot spell (an integer beyond 2**53) keeps its old
spelling, which verification still accepts. A body received with a partner's signature keeps the
spelling that signature covers, so ``mitra exchange verify`` still checks it. The objects do not change,
only their spelling.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:20:00
"""

import json
from collections.abc import Sequence

import rfc8785
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    bind = op.get_bind()
    objects = sa.table(
        "stix_objects", sa.column("seq", sa.BigInteger), sa.column("body", sa.Text), sa.column("signature", sa.Text)
    )
    after = -1
    while True:
        rows = bind.execute(
            sa.select(objects.c.seq, objects.c.body, objects.c.signature)
            .where(objects.c.seq > after)
            .order_by(objects.c.seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        changed = []
        for seq, body, signature in rows:
            if signature:
                continue
            try:
                canonical = rfc8785.dumps(json.loads(body)).decode("utf-8")
            except rfc8785.CanonicalizationError:
                continue
            if canonical != body:
                changed.append({"key": seq, "body": canonical})
        if changed:
            bind.execute(
                objects.update().where(objects.c.seq == sa.bindparam("key")).values(body=sa.bindparam("body")),
                changed,
            )
        after = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: JCS is still the same objects, and 0004's verification accepts either spelling."""
