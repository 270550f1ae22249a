"""who may receive each version: object_recipients (nation, seq)

A partner's feed walked ``stix_objects`` in ``seq`` order and matched ``releasable_to`` (a space-joined
string) with LIKE, so a page read every row from the cursor until it found enough released to that
partner. The new table indexes who may receive what; each stored version's nations are copied in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    recipients = op.create_table(
        "object_recipients",
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("nation", "seq", name=op.f("pk_object_recipients")),
    )
    bind = op.get_bind()
    objects = sa.table("stix_objects", sa.column("seq", sa.BigInteger), sa.column("releasable_to", sa.String))
    after = -1
    while True:
        rows = bind.execute(
            sa.select(objects.c.seq, objects.c.releasable_to)
            .where(objects.c.seq > after)
            .order_by(objects.c.seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        values = [{"nation": nation, "seq": seq} for seq, releasable in rows for nation in releasable.split()]
        if values:
            bind.execute(sa.insert(recipients), values)
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_table("object_recipients")
