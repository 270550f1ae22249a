"""object bodies as canonical JSON

The export signs each stored body as it is, so a body must be the canonical JSON its
signature covers (sorted keys, no spaces, UTF-8). Bodies stored before are re-encoded;
the objects do not change, only their spelling.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:40:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    bind = op.get_bind()
    objects = sa.table("stix_objects", sa.column("seq", sa.BigInteger), sa.column("body", sa.Text))
    after = -1
    while True:
        rows = bind.execute(
            sa.select(objects.c.seq, objects.c.body).where(objects.c.seq > after).order_by(objects.c.seq).limit(_BATCH)
        ).all()
        if not rows:
            return
        changed = []
        for seq, body in rows:
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if canonical != body:
                changed.append({"key": seq, "body": canonical})
        if changed:
            bind.execute(
                objects.update().where(objects.c.seq == sa.bindparam("key")).values(body=sa.bindparam("body")),
                changed,
            )
        after = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: canonical JSON is still the same objects."""
